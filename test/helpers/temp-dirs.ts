import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/**
 * A fresh temp dir, removed after the last test of the file that made it: a synth's cdk.out
 * holds every function's bundle (about 30 MB), and a test run synthesizes hundreds.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

const removeMade = () => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
};

// Jest loads this module afresh for each test file, so the hook is that file's; the benches,
// which synthesize through the same helpers outside jest, remove theirs as they exit.
if (typeof afterAll === 'function') afterAll(removeMade);
else process.once('exit', removeMade);
