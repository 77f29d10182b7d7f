import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Etcd } from '../../lib/local/etcd-server';
import { freePort, waitUntil } from '../../lib/local/processes';
import { run } from '../../lib/local/run-command';

/** The container side of a static pod: kubeadm's layout, with etcd's data at /var/lib/etcd. */
export const CONTAINER_DATA_DIR = '/var/lib/etcd';
export const NAMESPACE = 'kube-system';
/**
 * Where each node's own files are, as every host and container of that node sees them: the
 * node's dir bind-mounted there in a mount namespace of its own, so that every master has the same
 * paths (as every kubeadm master has /etc/kubernetes/manifests) on this one machine.
 */
export const NODE_ROOT = '/srv/cronsnap-node';
const ENTER_NODE = `mount -t tmpfs cronsnap-node /srv && mkdir ${NODE_ROOT} && mount --bind "$0" ${NODE_ROOT}`;

/**
 * The container runtimes' CLIs as one host sees them (crictl, docker, podman, oc) and its
 * `hostname`. A container is a process in a mount namespace of its own (`unshare -m`): only the
 * pod's hostPath volumes are the host's, /var/tmp is private, and `exec` enters it with the
 * container's environment alone (`env -i`), so a host path, a host variable or an old container
 * id does not work there, as with a real runtime.
 */
function runtimeStandIn(state: string, node: string, imagePath: string): string {
  return `#!/bin/bash
set -euo pipefail
STATE='${state}'
NODE='${node}'
running() {
  local record
  for record in "$STATE"/*/; do
    if [ -f "$record/pid" ] && kill -0 "$(cat "$record/pid")" 2>/dev/null; then basename "$record"; fi
  done
}
field() { cat "$STATE/$1/$2"; }
# exec_in ID_OR_PREFIX COMMAND...: the command inside the container, in its environment.
exec_in() {
  local id match=''
  for id in $(running); do if [[ $id == "$1"* ]]; then match=$id; fi; done
  [ -n "$match" ] || { echo "container \\"$1\\" not found or not running" >&2; exit 1; }
  shift
  exec nsenter --target "$(field "$match" pid)" --mount -- env -i PATH='${imagePath}' HOSTNAME="$NODE" "$@"
}
unknown() { echo "$(basename "$0"): unknown flag $1" >&2; exit 2; }
case $(basename "$0") in
  hostname) echo "$NODE" ;;
  crictl)
    command=$1
    shift
    case $command in
      ps)
        quiet=0 name='' label='' state=''
        while [ $# -gt 0 ]; do
          case $1 in -q) quiet=1 ;; --state) state=$2; shift ;; --name) name=$2; shift ;; --label) label=$2; shift ;; *) unknown "$1" ;; esac
          shift
        done
        [ "$state" = running ] || { echo 'crictl ps: this stand-in lists running containers only' >&2; exit 2; }
        for id in $(running); do
          if ! [[ $(field "$id" name) =~ $name ]]; then continue; fi
          if [ -n "$label" ] && [ "$label" != "io.kubernetes.pod.namespace=$(field "$id" namespace)" ]; then continue; fi
          if [ $quiet = 1 ]; then echo "$id"; else echo "\${id:0:13} $(field "$id" name) Running $(field "$id" pod)"; fi
        done ;;
      exec)
        while [[ $1 == -* ]]; do case $1 in -i | -t | -s) ;; *) unknown "$1" ;; esac; shift; done
        exec_in "$@" ;;
      *) echo "crictl: no such command $command" >&2; exit 2 ;;
    esac ;;
  docker | podman)
    command=$1
    shift
    case $command in
      ps)
        quiet=0 filters=()
        while [ $# -gt 0 ]; do
          case $1 in -q) quiet=1 ;; --no-trunc) ;; --filter) filters+=("$2"); shift ;; *) unknown "$1" ;; esac
          shift
        done
        if [ $quiet = 0 ]; then echo 'CONTAINER ID                                                       IMAGE                           COMMAND                  CREATED         STATUS         PORTS     NAMES'; fi
        for id in $(running); do
          keep=1
          for filter in \${filters[@]+"\${filters[@]}"}; do
            case $filter in
              status=running) ;;
              label=io.kubernetes.container.name=*) if [ "\${filter#*name=}" != "$(field "$id" name)" ]; then keep=0; fi ;;
              label=io.kubernetes.pod.namespace=*) if [ "\${filter#*namespace=}" != "$(field "$id" namespace)" ]; then keep=0; fi ;;
              *) echo "$(basename "$0") ps: unknown filter $filter" >&2; exit 2 ;;
            esac
          done
          if [ $keep = 0 ]; then continue; fi
          # The kubelet's dockershim names containers k8s_<container>_<pod>_<namespace>_<uid>_<attempt>.
          if [ $quiet = 1 ]; then echo "$id"; else echo "$id   registry.k8s.io/etcd:3.5   \\"etcd --name\\"   5 minutes ago   Up 5 minutes             k8s_$(field "$id" name)_$(field "$id" pod)_$(field "$id" namespace)_0f1e2d3c_$(field "$id" attempt)"; fi
        done ;;
      exec)
        while [[ $1 == -* ]]; do case $1 in -i | -t) ;; *) unknown "$1" ;; esac; shift; done
        exec_in "$@" ;;
      *) echo "$(basename "$0"): no such command $command" >&2; exit 2 ;;
    esac ;;
  oc)
    command=$1
    shift
    case $command in
      get)
        [ "$1" = pods ] || { echo "oc get: only pods here" >&2; exit 2; }
        shift
        namespace=default wide=0 headers=1
        while [ $# -gt 0 ]; do
          case $1 in -n) namespace=$2; shift ;; -o) if [ "$2" = wide ]; then wide=1; fi; shift ;; --no-headers) headers=0 ;; *) unknown "$1" ;; esac
          shift
        done
        if [ $headers = 1 ]; then echo 'NAME                READY     STATUS    RESTARTS   AGE       IP          NODE        NOMINATED NODE'; fi
        for id in $(running); do
          if [ "$(field "$id" namespace)" != "$namespace" ]; then continue; fi
          if [ $wide = 1 ]; then echo "$(field "$id" pod)   1/1   Running   $(field "$id" attempt)   5m   127.0.0.1   $NODE   <none>"; else echo "$(field "$id" pod)   1/1   Running   0   5m"; fi
        done ;;
      exec)
        pod=$1 namespace=default container=''
        shift
        while [ "$1" != -- ]; do case $1 in -n) namespace=$2; shift ;; -c) container=$2; shift ;; *) unknown "$1" ;; esac; shift; done
        shift
        for id in $(running); do
          if [ "$(field "$id" pod)" = "$pod" ] && [ "$(field "$id" namespace)" = "$namespace" ] && [ "$(field "$id" name)" = "$container" ]; then exec_in "$id" "$@"; fi
        done
        echo "Error from server (NotFound): pods \\"$pod\\" not found" >&2
        exit 1 ;;
      *) echo "oc: no such command $command" >&2; exit 2 ;;
    esac ;;
esac
`;
}

interface PodManifest {
  metadata: { name: string; namespace: string };
  spec: {
    containers: { name: string; command: string[]; volumeMounts: { name: string; mountPath: string }[] }[];
    volumes: { name: string; hostPath: { path: string; type?: string } }[];
  };
}

interface Container {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/**
 * One master node: a kubelet stand-in that runs the static pod in `manifests/etcd.yaml` while the
 * file is there (as the kubelet watches its manifests dir), restarts a container that exits, with
 * a new id, and removes it when the manifest goes; and the node's runtime CLIs in `bin`.
 */
export class StaticPodNode {
  readonly bin: string;
  readonly manifest: string;
  private readonly state: string;
  private container: Container | undefined;
  private restarts = 0;
  private restartAfter = 0;
  private ticking = false;
  private paused = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly dir: string,
    readonly name: string,
    private readonly imagePath: string,
  ) {
    this.bin = join(dir, 'bin');
    this.state = join(dir, 'containers');
    this.manifest = join(dir, 'manifests', 'etcd.yaml');
    for (const made of [this.bin, this.state, join(dir, 'manifests')]) mkdirSync(made, { recursive: true });
    writeFileSync(join(this.bin, 'crictl'), runtimeStandIn(this.state, name, imagePath), { mode: 0o755 });
    for (const alias of ['docker', 'podman', 'oc', 'hostname']) writeFileSync(join(this.bin, alias), readFileSync(join(this.bin, 'crictl')), { mode: 0o755 });
    this.timer = setInterval(() => void this.tick(), 100);
  }

  /**
   * How a host of this node runs its commands (LocalHost.wrapper): in the node's mount namespace,
   * with `path` as the whole PATH when given.
   */
  hostWrapper(path?: string): string[] {
    return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${ENTER_NODE} && exec "$@"`, this.dir, ...(path ? ['env', `PATH=${path}`] : [])];
  }

  /** The running container's id, if any. */
  containerId(): string | undefined {
    return this.container?.id;
  }

  async waitFor(running: boolean, timeoutMs = 30_000): Promise<void> {
    await waitUntil(`${this.name}'s container ${running ? 'running' : 'gone'}`, () => Promise.resolve((this.container !== undefined) === running), timeoutMs);
  }

  /** Kills the container, as a crash would; the kubelet starts a new one. */
  async crash(): Promise<void> {
    const container = this.container;
    container?.child.kill('SIGKILL');
    await container?.exited;
  }

  /** Stops the kubelet and its container: the node is down. */
  async stop(): Promise<void> {
    this.paused = true;
    while (this.ticking) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.stopContainer();
  }

  /** The node is back: its kubelet runs the pod again if the manifest is there. */
  resume(): void {
    this.paused = false;
  }

  /** Stops the kubelet for good. */
  async dispose(): Promise<void> {
    clearInterval(this.timer);
    await this.stop();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.paused) return;
    this.ticking = true;
    try {
      const present = existsSync(this.manifest);
      if (present && !this.container && Date.now() >= this.restartAfter) this.start(parse(readFileSync(this.manifest, 'utf8')) as PodManifest);
      if (!present && this.container) await this.stopContainer();
    } finally {
      this.ticking = false;
    }
  }

  private start(pod: PodManifest): void {
    const [spec] = pod.spec.containers;
    if (!spec) throw new Error(`${this.manifest} has no container`);
    const binds = spec.volumeMounts.flatMap((mount) => {
      const volume = pod.spec.volumes.find((candidate) => candidate.name === mount.name);
      if (!volume) throw new Error(`${this.manifest}: no volume ${mount.name}`);
      return [volume.hostPath.type ?? '', volume.hostPath.path, mount.mountPath];
    });
    const id = randomBytes(32).toString('hex');
    const launch = [
      'set -e',
      ENTER_NODE,
      'shift',
      'mount -t tmpfs cronsnap-private /var/tmp',
      // As the kubelet does for a hostPath volume: DirectoryOrCreate makes a missing dir (0755).
      'while [ "$1" != -- ]; do if [ "$1" = DirectoryOrCreate ]; then mkdir -p "$2"; fi; mount --bind "$2" "$3"; shift 3; done',
      'shift',
      `exec env -i PATH='${this.imagePath}' HOSTNAME='${this.name}' "$@"`,
    ].join('\n');
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'bash', '--norc', '-c', launch, this.dir, 'container', ...binds, '--', ...spec.command], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    const record = join(this.state, id);
    mkdirSync(record);
    const fields = { name: spec.name, namespace: pod.metadata.namespace, pod: `${pod.metadata.name}-${this.name}`, attempt: String(this.restarts), pid: String(child.pid) };
    for (const [field, value] of Object.entries(fields)) writeFileSync(join(record, field), value);
    const exited = new Promise<void>((resolve) => {
      child.on('exit', () => {
        rmSync(record, { recursive: true, force: true });
        appendFileSync(join(this.dir, 'container.log'), `--- container ${id} exited\n${log}\n`);
        if (this.container?.id === id) {
          this.container = undefined;
          this.restarts += 1;
          this.restartAfter = Date.now() + 500;
        }
        resolve();
      });
    });
    this.container = { id, child, exited };
  }

  private async stopContainer(): Promise<void> {
    const container = this.container;
    if (!container) return;
    this.container = undefined;
    container.child.kill('SIGTERM');
    await container.exited;
  }
}

export interface StaticPodMember extends Etcd {
  readonly node: StaticPodNode;
}

/** kubeadm's etcd manifest for `member` of `initialCluster`: data from `hostDataDir`, as the node sees it. */
function etcdManifest(member: { name: string; clientUrl: string; peerUrl: string }, initialCluster: string, token: string, hostDataDir: string): string {
  const pod: PodManifest = {
    metadata: { name: 'etcd', namespace: NAMESPACE },
    spec: {
      containers: [
        {
          name: 'etcd',
          command: [
            'etcd',
            `--name=${member.name}`,
            `--data-dir=${CONTAINER_DATA_DIR}`,
            `--listen-client-urls=${member.clientUrl}`,
            `--advertise-client-urls=${member.clientUrl}`,
            `--listen-peer-urls=${member.peerUrl}`,
            `--initial-advertise-peer-urls=${member.peerUrl}`,
            `--initial-cluster=${initialCluster}`,
            `--initial-cluster-token=${token}`,
          ],
          volumeMounts: [{ name: 'etcd-data', mountPath: CONTAINER_DATA_DIR }],
        },
      ],
      volumes: [{ name: 'etcd-data', hostPath: { path: hostDataDir, type: 'DirectoryOrCreate' } }],
    },
  };
  return stringify({ apiVersion: 'v1', kind: 'Pod', ...pod });
}

/** A cluster of `names`, each member the static pod of its own node; the harness's etcdctl reaches them over loopback. */
export async function startStaticPodCluster(dir: string, names: readonly string[], token: string): Promise<StaticPodMember[]> {
  const imagePath = process.env.PATH ?? '/usr/bin:/bin';
  const ports = [];
  for (const name of names) ports.push({ name, clientUrl: `http://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}` });
  const initialCluster = ports.map((member) => `${member.name}=${member.peerUrl}`).join(',');
  const members = ports.map((member): StaticPodMember => {
    const node = new StaticPodNode(join(dir, `node-${member.name}`), `node-${member.name}`, imagePath);
    const dataDir = join(node.dir, 'etcd-data');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(node.manifest, etcdManifest(member, initialCluster, token, `${NODE_ROOT}/etcd-data`));
    return {
      ...member,
      dataDir,
      node,
      etcdctl: (args) => run('etcdctl', [`--endpoints=${member.clientUrl}`, ...args], { ETCDCTL_API: '3' }),
      stop: () => node.dispose(),
    };
  });
  try {
    await Promise.all(
      members.map((member) => waitUntil(`static pod etcd ${member.name}`, async () => (await member.etcdctl(['endpoint', 'health', '-w', 'json'])).includes('"health":true'), 30_000)),
    );
  } catch (error) {
    await Promise.all(members.map((member) => member.stop()));
    const logs = members.map((member) => {
      const log = join(member.node.dir, 'container.log');
      return `--- ${member.name}\n${existsSync(log) ? readFileSync(log, 'utf8') : '(no container has exited)'}`;
    });
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }
  return members;
}
