import { execFile } from 'node:child_process';
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
