import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd } from '../../lib/local/etcd-server';
import { freePort, waitUntil } from '../../lib/local/processes';
import { run } from '../../lib/local/run-command';

/** An etcd member run like a systemd unit: `<control> start|stop`, as cold-copy drives it. */
export interface EtcdService extends Etcd {
  /** The stand-in for `systemctl`: one word command plus start/stop. */
  readonly control: string;
}

/**
 * Writes a control script that starts etcd detached (it outlives the command that started it, as
 * a service does) and stops it by pid, waiting until it has exited; then starts it.
 */
export async function startEtcdService(dir: string, name: string): Promise<EtcdService> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = join(dir, `${name}.etcd`);
  const control = join(dir, `${name}-service`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    control,
    `#!/bin/bash
set -euo pipefail
pidfile='${dir}/${name}.pid'
case "$1" in
  start)
    setsid etcd --name '${name}' --data-dir '${dataDir}' --listen-client-urls '${clientUrl}' --advertise-client-urls '${clientUrl}' \\
      --listen-peer-urls '${peerUrl}' --initial-advertise-peer-urls '${peerUrl}' --initial-cluster '${name}=${peerUrl}' \\
      </dev/null >>'${dir}/${name}.log' 2>&1 &
    echo $! >"$pidfile" ;;
  stop)
    pid=$(cat "$pidfile")
    kill "$pid"
    tail --pid="$pid" -f /dev/null ;;
esac
`,
    { mode: 0o755 },
  );
  const etcdctl = (args: string[]) => run('etcdctl', [`--endpoints=${clientUrl}`, ...args], { ETCDCTL_API: '3' });
  const healthy = async () => (await etcdctl(['endpoint', 'health', '-w', 'json']).catch(() => '')).includes('"health":true');
  await run(control, ['start']);
  await waitUntil(`etcd service ${name}`, healthy, 20_000);
  return {
    name,
    clientUrl,
    peerUrl,
    dataDir,
    control,
    etcdctl,
    async stop() {
      const pid = readFileSync(join(dir, `${name}.pid`), 'utf8').trim();
      await run('sh', ['-c', `kill ${pid} 2>/dev/null && tail --pid=${pid} -f /dev/null; true`]);
    },
  };
}
