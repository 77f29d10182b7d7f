import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Samples every process's command line (`ps -eo args`) back to back until `stop()`, which
 * returns all samples: proof that a secret never appeared in any argv while work ran.
 */
export function sampleProcessArgs(): { stop(): Promise<string[]> } {
  const samples: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) samples.push((await execFileAsync('ps', ['-eo', 'args'])).stdout);
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

/**
 * The distinct command lines among `samples` that `program` itself runs: its argv[0], any directory
 * stripped, is the name. A shell whose script merely mentions the program does not count, so a
 * test can tell that it sampled the program's own argv and not some other process's.
 */
export function commandLinesOf(samples: readonly string[], program: string): string[] {
  const lines = samples.flatMap((sample) => sample.split('\n').map((line) => line.trim()));
  return [...new Set(lines.filter((line) => basename(line.split(/\s/, 1)[0] ?? '') === program))];
}
