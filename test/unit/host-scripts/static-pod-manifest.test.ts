import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPTS = resolve(__dirname, '../../../lib/host-scripts');
const FIXTURES = resolve(__dirname, '../../fixtures/static-pods');
// RHEL and Amazon Linux have gawk as awk, Debian and Ubuntu mawk: the manifest reader runs on both.
const AWKS = ['gawk', 'mawk'].filter((awk) => existsSync(`/usr/bin/${awk}`));

describe('static_pod_host_dir: where a static pod keeps a container dir on the host', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-static-pod-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs static_pod_host_dir for `containerDir` with `awk` as the host's awk, the manifest live or held. */
  function hostDirOf(fixture: string, containerDir: string, awk: string, where: 'live' | 'held' = 'live') {
    const manifests = join(dir, 'manifests');
    const manifest = join(manifests, 'etcd.yaml');
    mkdirSync(`${manifests}${where === 'held' ? '-stopped' : ''}`, { recursive: true });
    copyFileSync(join(FIXTURES, fixture), where === 'held' ? join(`${manifests}-stopped`, 'etcd.yaml') : manifest);
    const bin = mkdtempSync(join(dir, 'bin-'));
    symlinkSync(`/usr/bin/${awk}`, join(bin, 'awk'));
    const script = [
      'set -euo pipefail',
      'fail() { echo "$*" >&2; exit 3; }',
      `source '${SCRIPTS}/etcd-service.sh'`,
      `STATIC_POD_MANIFEST='${manifest}' HELD_MANIFEST='${manifests}-stopped/etcd.yaml'`,
      `static_pod_host_dir '${containerDir}'`,
    ].join('\n');
    const result = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  }

  it.each(AWKS)('finds the hostPath volume of the data dir in kubeadm\'s manifest, whatever its key order and comments (%s)', (awk) => {
    expect(hostDirOf('kubeadm-etcd.yaml', '/var/lib/etcd', awk)).toEqual({ status: 0, stdout: '/data/etcd', stderr: '' });
    expect(hostDirOf('kubeadm-etcd.yaml', '/var/lib/etcd/member/', awk).stdout).toBe('/data/etcd/member');
    expect(hostDirOf('kubeadm-etcd.yaml', '/etc/kubernetes/pki/etcd/ca.crt', awk).stdout).toBe('/etc/kubernetes/pki/etcd/ca.crt');
  });

  it.each(AWKS)("reads OpenShift 3.11's manifest, with its quoted names, trailing slashes and deeper list indent (%s)", (awk) => {
    expect(hostDirOf('openshift-3.11-etcd.yaml', '/var/lib/etcd', awk)).toEqual({ status: 0, stdout: '/var/lib/etcd', stderr: '' });
    expect(hostDirOf('openshift-3.11-etcd.yaml', '/etc/etcd/etcd.conf', awk).stdout).toBe('/etc/etcd/etcd.conf');
  });

  it.each(AWKS)('reads the manifest where the stop holds it (%s)', (awk) => {
    expect(hostDirOf('kubeadm-etcd.yaml', '/var/lib/etcd', awk, 'held').stdout).toBe('/data/etcd');
  });

  it.each(AWKS)('refuses a dir no hostPath volume is mounted at, naming the manifest (%s)', (awk) => {
    const result = hostDirOf('kubeadm-etcd.yaml', '/var/lib/etcd-data', awk);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^no hostPath volume of \S+\/manifests\/etcd\.yaml is mounted at \/var\/lib\/etcd-data or above it/);
  });
});
