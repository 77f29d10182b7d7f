import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO = join(__dirname, '../../..');
const DEPCRUISE = join(REPO, 'node_modules/.bin/depcruise');

/** The project's layering check run over a tree of these files, as CI runs it over lib/, functions/ and infra/. */
function layering(files: Record<string, string>): { code: number | null; output: string } {
  const tree = mkdtempSync(join(tmpdir(), 'cronsnap-layering-'));
  try {
    writeFileSync(join(tree, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    }
    const run = spawnSync(DEPCRUISE, ['--config', join(REPO, '.dependency-cruiser.cjs'), 'lib'], { cwd: tree, encoding: 'utf8' });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

describe('the layering check', () => {
  it('passes folders that import downward only', () => {
    const run = layering({
      'lib/errors.ts': 'export class CronsnapError extends Error {}\n',
      'lib/ports/object-store.ts': 'export interface ObjectStore { list(prefix: string): Promise<string[]> }\n',
      'lib/catalog/object-layout.ts': "import type { ObjectStore } from '../ports/object-store';\nexport const root = (store: ObjectStore) => store;\n",
      'lib/restore/restore.ts': "import { root } from '../catalog/object-layout';\nexport const restore = root;\n",
    });

    expect(run).toMatchObject({ code: 0, output: expect.stringContaining('no dependency violations found') });
  });

  it('fails two folders that import each other, even through a type, naming the rule', () => {
    const run = layering({
      'lib/backup/complete-backup.ts': "import { checkRun } from '../binlogs/binlog-run-check';\nexport const complete = checkRun;\n",
      'lib/binlogs/binlog-run-check.ts': "import type { Manifest } from '../backup/manifest';\nexport const checkRun = (manifest: Manifest) => manifest;\n",
      'lib/backup/manifest.ts': 'export interface Manifest { job: string }\n',
    });

    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/error no-folder-cycles: lib\/backup → \s*lib\/binlogs →\s*lib\/backup/);
  });

  it('fails a port that imports the domain, and a floor that reaches up', () => {
    const run = layering({
      'lib/config/targets.ts': 'export interface Targets { instanceIds: string[] }\n',
      'lib/ports/command-runner.ts': "import type { Targets } from '../config/targets';\nexport interface CommandRunner { onlineHosts(targets: Targets): Promise<string[]> }\n",
      'lib/catalog/manifest.ts': "import type { Targets } from '../config/targets';\nexport interface Manifest { targets: Targets }\n",
    });

    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/error ports-are-interfaces: lib\/ports\/command-runner\.ts → lib\/config\/targets\.ts/);
    expect(run.output).toMatch(/error catalog-is-the-floor: lib\/catalog\/manifest\.ts → lib\/config\/targets\.ts/);
  });
});
