import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd } from './etcd-server';
import { freePort, waitUntil } from './processes';
import { run } from './run-command';

/** An etcd member run like a systemd unit: `<control> start|stop`, as cold copies and restores drive it. */
export interface EtcdService extends Etcd {
  /** The stand-in for `systemctl`: a command taking start or stop. */
  readonly control: string;
}

export interface EtcdCluster {
  readonly members: EtcdService[];
  /** One control command for every member, which picks the member from CRONSNAP_TEST_MEMBER in its environment. */
  readonly control: string;
  readonly token: string;
  stop(): Promise<void>;
}

interface MemberPorts {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
}

/**
 * Writes a member's control script: start launches etcd detached (it outlives the command that
 * started it, as a service does, and reads ETCD_QUOTA_BACKEND_BYTES like any ETCD_* flag), stop
 * kills it by pid and returns once it has exited.
 */
function writeControl(dir: string, member: MemberPorts, initialCluster: string, token: string): EtcdService {
  const dataDir = join(dir, `${member.name}.etcd`);
  const control = join(dir, `${member.name}-service`);
  const pidfile = join(dir, `${member.name}.pid`);
  writeFileSync(
    control,
    `#!/bin/bash
set -euo pipefail
case "$1" in
  start)
    setsid etcd --name '${member.name}' --data-dir '${dataDir}' --listen-client-urls '${member.clientUrl}' --advertise-client-urls '${member.clientUrl}' \\
      --listen-peer-urls '${member.peerUrl}' --initial-advertise-peer-urls '${member.peerUrl}' --initial-cluster '${initialCluster}' \\
      --initial-cluster-token '${token}' </dev/null >>'${dir}/${member.name}.log' 2>&1 &
    echo $! >'${pidfile}' ;;
  stop)
    pid=$(cat '${pidfile}')
    if kill "$pid" 2>/dev/null; then tail --pid="$pid" -f /dev/null; fi ;;
esac
`,
    { mode: 0o755 },
  );
  const etcdctl = (args: string[]) => run('etcdctl', [`--endpoints=${member.clientUrl}`, ...args], { ETCDCTL_API: '3' });
  return {
    ...member,
    dataDir,
    control,
    etcdctl,
    async stop() {
      await run(control, ['stop']);
    },
  };
}

function logTail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-3000) : '(no log)';
}

async function healthy(member: EtcdService): Promise<boolean> {
  return (await member.etcdctl(['endpoint', 'health', '-w', 'json'])).includes('"health":true');
}

/** A cluster of `names` on free loopback ports, each member a service with its own data dir under `dir`. */
export async function startEtcdCluster(dir: string, names: readonly string[], token = 'cronsnap-test'): Promise<EtcdCluster> {
  mkdirSync(dir, { recursive: true });
  const ports: MemberPorts[] = [];
  for (const name of names) ports.push({ name, clientUrl: `http://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}` });
  const initialCluster = ports.map((member) => `${member.name}=${member.peerUrl}`).join(',');
  const members = ports.map((member) => writeControl(dir, member, initialCluster, token));
  const control = join(dir, 'etcd-ctl');
  writeFileSync(control, `#!/bin/bash\nexec '${dir}'/"$CRONSNAP_TEST_MEMBER"-service "$1"\n`, { mode: 0o755 });
  await Promise.all(members.map((member) => run(member.control, ['start'])));
  try {
    await Promise.all(members.map((member) => waitUntil(`etcd member ${member.name}`, () => healthy(member), 30_000)));
  } catch (error) {
    // As awaitServer does for one server: nothing left running, and the members' own words.
    await Promise.all(members.map((member) => member.stop().catch(() => undefined)));
    const logs = names.map((name) => `--- ${name}.log\n${logTail(join(dir, `${name}.log`))}`).join('\n');
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
  return {
    members,
    control,
    token,
    async stop() {
      await Promise.all(members.map((member) => member.stop()));
    },
  };
}

/** One member run as a service (seed 000's Param-etcd: a single member). */
export async function startEtcdService(dir: string, name: string): Promise<EtcdService> {
  const [member] = (await startEtcdCluster(dir, [name])).members;
  if (!member) throw new Error('no member started');
  return member;
}
