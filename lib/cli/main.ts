import { backendFor } from './backend-choice';
import { runCli } from './cli-program';

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  backendFor: (options, config) => backendFor(options, config),
  now: () => new Date(),
  localZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
}).then((code) => process.exit(code));
