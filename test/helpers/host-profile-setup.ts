import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentProfile, profileSetup } from './host-profiles';

// CRONSNAP_HOST_PROFILE picks the host the integration suites stand in for (see host-profiles.ts):
// its bin dir goes first on every stand-in host's PATH (LocalCommandRunner reads
// CRONSNAP_LOCAL_HOST_PATH) or its hosts' shells run under its enter program
// (CRONSNAP_LOCAL_HOST_ENTER), and the harness's own tools are the profile's, so its servers run
// that release. The harness passes process.env to its children explicitly: under jest it is the test's
// copy, which a child given no env would not see.
const setup = profileSetup(currentProfile(), join(tmpdir(), 'cronsnap-host-profiles'));
if (setup.hostPath) process.env.CRONSNAP_LOCAL_HOST_PATH = setup.hostPath;
if (setup.hostEnter) process.env.CRONSNAP_LOCAL_HOST_ENTER = setup.hostEnter;
if (setup.harnessPath) process.env.PATH = `${setup.harnessPath}:${process.env.PATH ?? ''}`;
Object.assign(process.env, setup.env);
afterAll(() => setup.scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
