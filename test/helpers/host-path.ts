import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_PATH } from '../../lib/adapters/local-command-runner';

/** A PATH for a stand-in host that has every program of `bins` (the agent's PATH) but `missing`, linked into `dir`; the first of a name wins. */
export function pathWithout(missing: readonly string[], dir: string, bins: readonly string[] = AGENT_PATH.split(':')): string {
  mkdirSync(dir, { recursive: true });
  for (const bin of bins.filter(existsSync)) {
    for (const name of readdirSync(bin)) {
      if (!missing.includes(name) && !existsSync(join(dir, name))) symlinkSync(join(bin, name), join(dir, name));
    }
  }
  return dir;
}
