import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

interface Process {
  readonly pid: number;
  readonly ppid: number;
  readonly rssKb: number;
  readonly args: string;
}

/** The summed RSS of every process tree whose root's command line starts with `root`. */
function treeRssKb(processes: readonly Process[], root: string): number {
  const children = new Map<number, Process[]>();
  for (const process of processes) children.set(process.ppid, [...(children.get(process.ppid) ?? []), process]);
  let total = 0;
  const visit = (process: Process) => {
    total += process.rssKb;
    for (const child of children.get(process.pid) ?? []) visit(child);
  };
  for (const top of processes.filter((process) => process.args.startsWith(root))) visit(top);
  return total;
}

/** A stand-in agent's command (local-command-runner.ts): the host program and all it starts. */
export const HOST_PROGRAM_ROOT = 'sh -c #!/bin/sh';

/**
 * Samples `ps` back to back until `stop()`, which returns the peak summed RSS (MB) of the process
 * trees under `root` (by default the host programs'): what a backup holds in memory at once.
 */
export function sampleHostRss(root = HOST_PROGRAM_ROOT): { stop(): Promise<number> } {
  let peakKb = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { stdout } = await execFileAsync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { maxBuffer: 64 * 1024 * 1024 });
      const processes = stdout.split('\n').flatMap((line) => {
        const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s(.*)$/.exec(line);
        return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), rssKb: Number(match[3]), args: match[4] ?? '' }] : [];
      });
      peakKb = Math.max(peakKb, treeRssKb(processes, root));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peakKb / 1024;
    },
  };
}
