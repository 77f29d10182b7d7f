import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

interface Process {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

/** A peak of a host program's memory: what it holds of its own, and the file pages it maps besides. */
export interface RssPeak {
  /** Anonymous and shared memory (RssAnon + RssShmem): what the host must have free for the backup. */
  readonly anonMb: number;
  /** Mapped file pages (RssFile) at the same moment: page cache, which the kernel reclaims under pressure. */
  readonly fileMb: number;
  /** The processes holding the most anonymous memory at that moment, largest first. */
  readonly largest: string;
}

/** Every process of the trees whose root's command line starts with `root`. */
function treeOf(processes: readonly Process[], root: string): Process[] {
  const children = new Map<number, Process[]>();
  for (const process of processes) children.set(process.ppid, [...(children.get(process.ppid) ?? []), process]);
  const tree: Process[] = [];
  const visit = (process: Process) => {
    tree.push(process);
    for (const child of children.get(process.pid) ?? []) visit(child);
  };
  for (const top of processes.filter((process) => process.args.startsWith(root))) visit(top);
  return tree;
}

/** RssAnon + RssShmem and RssFile of one process, in kB; zeros once it has exited. */
function memoryKb(pid: number): { anon: number; file: number } {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { anon: 0, file: 0 };
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { anon: field('RssAnon') + field('RssShmem'), file: field('RssFile') };
}

/** A stand-in agent's command (local-command-runner.ts): the host program and all it starts. */
export const HOST_PROGRAM_ROOT = 'sh -c #!/bin/sh';

/**
 * Samples the process trees under `root` (by default the host programs') back to back until
 * `stop()`, which returns the peak of their summed anonymous memory, the file pages mapped at that
 * moment, and who held the most. A summed RSS would count a mapped snapshot (bbolt maps the whole
 * db) as memory the backup needs, which it is not.
 */
export function sampleHostRss(root = HOST_PROGRAM_ROOT): { stop(): Promise<RssPeak> } {
  let peak = { anon: 0, file: 0, largest: '' };
  let running = true;
  const loop = (async () => {
    while (running) {
      const { stdout } = await execFileAsync('ps', ['-eo', 'pid=,ppid=,args='], { maxBuffer: 64 * 1024 * 1024 });
      const processes = stdout.split('\n').flatMap((line) => {
        const match = /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line);
        return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] ?? '' }] : [];
      });
      const measured = treeOf(processes, root).map((process) => ({ ...memoryKb(process.pid), name: process.args.split(' ')[0]?.split('/').pop() ?? '?' }));
      const anon = measured.reduce((sum, process) => sum + process.anon, 0);
      if (anon > peak.anon) {
        const largest = [...measured].sort((a, b) => b.anon - a.anon).slice(0, 4).map((process) => `${process.name} ${(process.anon / 1024).toFixed(0)}`).join(', ');
        peak = { anon, file: measured.reduce((sum, process) => sum + process.file, 0), largest };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { anonMb: peak.anon / 1024, fileMb: peak.file / 1024, largest: peak.largest };
    },
  };
}
