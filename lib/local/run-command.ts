import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a command to completion and returns stdout; a non-zero exit rejects with its stderr. */
export async function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}
