/**
 * How fast the installed CLI answers: `--help` and `validate` from the compiled bundle, beside a
 * bare `node -e 0` (the floor no CLI in Node can go under) and the checkout's tsx launcher.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sideBySide, type BenchResult } from './timing';

const run = promisify(execFile);
const REPO = join(__dirname, '..');
const EXAMPLE = join(REPO, 'config', 'cronsnap.example.yaml');

export async function benchCliStart(): Promise<BenchResult[]> {
  await run('npx', ['tsx', join(REPO, 'scripts', 'build-cli.ts')], { cwd: REPO });
  const bundle = join(REPO, 'dist', 'cli', 'cronsnap.mjs');
  const times = await sideBySide(
    {
      node: () => run('node', ['-e', '0']),
      help: () => run('node', [bundle, '--help']),
      validate: () => run('node', [bundle, '-c', EXAMPLE, 'validate']),
      tsxHelp: () => run(join(REPO, 'bin', 'cronsnap'), ['--help']),
    },
    Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5)),
  );
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;
  return [
    { name: 'cli --help (bundle) vs node -e 0', ratio: times.help.seconds / times.node.seconds, detail: `${ms(times.help.seconds)} against ${ms(times.node.seconds)}; target well under 500 ms` },
    { name: 'cli validate (bundle) vs node -e 0', ratio: times.validate.seconds / times.node.seconds, detail: `${ms(times.validate.seconds)} against ${ms(times.node.seconds)}` },
    { name: 'cli --help: bundle vs checkout (tsx)', ratio: times.help.seconds / times.tsxHelp.seconds, detail: `${ms(times.help.seconds)} against ${ms(times.tsxHelp.seconds)}` },
  ];
}
