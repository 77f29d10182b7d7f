import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentProfile, profileBinDir } from './host-profiles';

// CRONSNAP_HOST_PROFILE picks the host the integration suites stand in for (see host-profiles.ts):
// its bin dir goes first on every stand-in host's PATH (LocalCommandRunner reads
// CRONSNAP_LOCAL_HOST_PATH) and on the harness's own, so an etcd profile's servers run that
// release. The harness passes process.env to its children explicitly: under jest it is the test's
// copy, which a child given no env would not see.
const bin = profileBinDir(currentProfile(), join(tmpdir(), 'cronsnap-host-profiles'));
if (bin) {
  process.env.CRONSNAP_LOCAL_HOST_PATH = bin;
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
}
