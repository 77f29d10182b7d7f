import { runCli } from './cli-program';

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  // Loaded on first use: `--help`, `validate` and `plan` never load the AWS SDK.
  backendFor: async (options, config) => (await import('./backend-choice')).backendFor(options, config),
  now: () => new Date(),
  localZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
}).then((code) => {
  // Exit once what was written has left: stdout to a pipe (`--json | jq`) is written asynchronously.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
