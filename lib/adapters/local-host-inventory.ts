import { existsSync, readFileSync } from 'node:fs';
import type { Targets } from '../config/targets';
import type { CommandRunner } from '../ports/command-runner';
import type { HostInventory, ManagedHost } from '../ports/host-inventory';

/** This machine's OS as /etc/os-release names it. */
function platform(): string | undefined {
  if (!existsSync('/etc/os-release')) return undefined;
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
}

/** The local mode's hosts: every target is this machine, online whenever the local runner takes commands. */
export class LocalHostInventory implements HostInventory {
  constructor(private readonly runner: Pick<CommandRunner, 'onlineHosts'>) {}

  async describe(targets: Targets): Promise<ManagedHost[]> {
    const os = platform();
    return (await this.runner.onlineHosts(targets)).map((id) => ({ id, pingStatus: 'Online', ...(os ? { platform: os } : {}) }));
  }
}
