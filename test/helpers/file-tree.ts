import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, createReadStream, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A config tree like an etcd member's /etc/etcd, with everything a naive copy loses. */
export interface SampleTree {
  readonly etcdDir: string;
  readonly sparseFile: string;
  readonly conf: string;
  readonly key: string;
  readonly oddName: string;
}

export function makeSampleTree(root: string): SampleTree {
  const etcdDir = join(root, 'etc', 'etcd');
  mkdirSync(join(etcdDir, 'private'), { recursive: true });
  const conf = join(etcdDir, 'etcd.conf');
  writeFileSync(conf, 'ETCD_NAME=member-a\nETCD_DATA_DIR=/var/lib/etcd\nETCD_INITIAL_CLUSTER_TOKEN=prod\n');
  const key = join(etcdDir, 'private', 'peer.key');
  writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n');
  chmodSync(key, 0o600);
  chownSync(key, 1234, 5678);
  chmodSync(join(etcdDir, 'private'), 0o700);
  chownSync(join(etcdDir, 'private'), 1234, 5678);
  execFileSync('setfattr', ['-n', 'user.origin', '-v', 'ansible', key]);
  execFileSync('setfattr', ['-n', 'trusted.cronsnap', '-v', 'kept', key]);
  execFileSync('setfacl', ['-m', 'u:2000:r', key]);
  writeFileSync(join(root, 'ca.crt'), 'CA\n');
  symlinkSync('../../ca.crt', join(etcdDir, 'ca.crt'));
  symlinkSync('/nonexistent/target', join(etcdDir, 'dangling'));
  const oddName = join(etcdDir, 'with spaces\nand a newline.conf');
  writeFileSync(oddName, 'odd\n');
  const sparseFile = join(root, 'var', 'lib', 'big.sparse');
  mkdirSync(join(root, 'var', 'lib'), { recursive: true });
  execFileSync('truncate', ['-s', '1G', sparseFile]);
  execFileSync('sh', ['-c', 'printf "data in the middle" | dd of="$1" bs=1 seek=536870912 conv=notrunc status=none', 'sh', sparseFile]);
  return { etcdDir, sparseFile, conf, key, oddName };
}

export interface ListedEntry {
  readonly type: 'file' | 'directory' | 'symlink';
  readonly mode: string;
  readonly owner: string;
  readonly sha256?: string;
  readonly target?: string;
  readonly mtime?: number;
  readonly xattrs: string;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function xattrsOf(path: string): string {
  const out = execFileSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', path], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line && !line.startsWith('# file:')).sort().join('\n');
}

/** stat, sha256, link target and xattrs (ACLs included) of every entry under `paths`. */
export async function treeListing(paths: readonly string[], skip: (path: string) => boolean = () => false): Promise<Record<string, ListedEntry>> {
  const listing: Record<string, ListedEntry> = {};
  const visit = async (path: string): Promise<void> => {
    if (skip(path)) return;
    const stat = lstatSync(path);
    const common = { mode: (stat.mode & 0o7777).toString(8), owner: `${stat.uid}:${stat.gid}`, xattrs: xattrsOf(path) };
    if (stat.isSymbolicLink()) listing[path] = { type: 'symlink', ...common, target: readlinkSync(path) };
    else if (stat.isDirectory()) {
      // A directory's mtime moves whenever an entry in it does, so only its metadata is compared.
      listing[path] = { type: 'directory', ...common };
      for (const name of readdirSync(path).sort()) await visit(join(path, name));
    } else listing[path] = { type: 'file', ...common, sha256: await sha256Of(path), mtime: Math.floor(stat.mtimeMs / 1000) };
  };
  for (const path of paths) await visit(path);
  return listing;
}
