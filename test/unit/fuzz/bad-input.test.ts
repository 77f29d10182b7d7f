import fc from 'fast-check';
import { parseManifest } from '../../../lib/catalog/manifest';
import { InventoryRowReader } from '../../../lib/compliance/inventory-row';
import { parseConfig } from '../../../lib/config/load-config';
import { ConfigError, InvalidInventoryError, ManifestError } from '../../../lib/errors';
import { restoreEventSchema } from '../../../lib/restore/restore';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput, postgresJobInput } from '../../helpers/config-factory';
import { etcdManifest } from '../../helpers/manifest-factory';
import { formatPath } from '../../../lib/validation-issues';

/** Text that a shell would act on. */
const SHELL_META = [';', '|', '&', '$', '`', '(', ')', '<', '>', '"', "'", '\\', '\n', ' ', '*', '?', '{', '}', '#', '~', '!'];
const withShellMeta = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...SHELL_META), fc.string({ maxLength: 12 }))
  .map(([before, meta, after]) => `${before}${meta}${after}`);

type Job = ReturnType<typeof etcdJobInput>;

/**
 * Metacharacters a field may legitimately hold, always expanded quoted by the host scripts:
 * single spaces between a command's words, `$` in a database name (valid in MySQL and PostgreSQL).
 */
const LEGITIMATE: Readonly<Record<string, readonly string[]>> = {
  'etcd.etcdctl': [' '],
  'etcd.service.stop': [' '],
  'mysql.mysqldump': [' '],
  'postgres.pgDump': [' '],
  'postgres.databases[0]': ['$'],
};

/** Every config field whose value reaches a host shell, as a path into one job of that engine. */
const SHELL_FIELDS: [string, () => Job, (string | number)[]][] = [
  ['etcd', () => etcdJobInput(), ['name']],
  ['etcd', () => etcdJobInput(), ['etcd', 'endpoints', 0]],
  ['etcd', () => etcdJobInput(), ['etcd', 'etcdctl']],
  ['etcd', () => etcdJobInput(), ['etcd', 'dataDir']],
  ['etcd', () => etcdJobInput(), ['etcd', 'workDir']],
  ['etcd', () => etcdJobInput(), ['etcd', 'memberName']],
  ['etcd', () => etcdJobInput(), ['etcd', 'initialClusterToken']],
  ['etcd', () => etcdJobInput({ etcd: { endpoints: ['http://127.0.0.1:2379'], service: { stop: 'systemctl stop etcd' } } } as never), ['etcd', 'service', 'stop']],
  ['mysql', () => mysqlJobInput(), ['mysql', 'hosts', 0]],
  ['mysql', () => mysqlJobInput(), ['mysql', 'user']],
  ['mysql', () => mysqlJobInput(), ['mysql', 'passwordParameter']],
  ['mysql', () => mysqlJobInput(), ['mysql', 'mysqldump']],
  ['mysql', () => mysqlJobInput({ workDir: '/var/tmp' } as never), ['workDir']],
  ['postgres', () => postgresJobInput(), ['postgres', 'server']],
  ['postgres', () => postgresJobInput(), ['postgres', 'user']],
  ['postgres', () => postgresJobInput({ postgres: { server: '127.0.0.1:5432', user: 'backup', passwordParameter: '/x/y', databases: ['shop'] } } as never), ['postgres', 'databases', 0]],
  ['postgres', () => postgresJobInput(), ['postgres', 'pgDump']],
  ['files', () => filesJobInput(), ['files', 'paths', 0]],
];

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    node[key] ??= typeof path[path.indexOf(key) + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1] ?? ''] = value;
}

describe('bad input, fuzzed', () => {
  it.each(SHELL_FIELDS.map(([engine, makeJob, path]) => [engine, formatPath(path), makeJob, path] as const))(
    'refuses shell metacharacters in a %s job at %s, naming the field',
    (_engine, field, makeJob, path) => {
    const allowed = LEGITIMATE[field] ?? [];
    fc.assert(
      fc.property(withShellMeta, (value) => {
        fc.pre(![...value].some((char) => allowed.includes(char)) || SHELL_META.some((meta) => !allowed.includes(meta) && value.includes(meta)));
        const job = structuredClone(makeJob()) as Record<string, unknown>;
        setAt(job, path, value);
        let message = '';
        try {
          parseConfig(configInput([job as Job]));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          message = (error as Error).message;
        }
        expect(message).toContain(`jobs[0].${formatPath(path)}`);
      }),
      { numRuns: 60 },
    );
    },
  );

  it('answers any JSON as a restore event with a parse result, never a crash, each issue naming a field of the event or a missing one', () => {
    const fields = ['job', 'backup', 'targets', 'dryRun', 'confirm', 'restoreRoot', 'databases', 'targetDatabase', 'extra'];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fields), fc.jsonValue()), (event) => {
        const result = restoreEventSchema.safeParse(event);
        if (result.success) return;
        for (const issue of result.error.issues) {
          const named = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0])];
          for (const field of named) expect([...Object.keys(event), 'job', 'backup', 'confirm']).toContain(field);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a manifest with any one field made wrong, with a ManifestError naming that field', () => {
    const valid = etcdManifest() as unknown as Record<string, Record<string, unknown>>;
    const notAString = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}));
    const notACount = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.string({ maxLength: 3 }),
      fc.integer({ max: -1 }),
      fc.double({ min: 0.001, max: 1e9, noInteger: true, noNaN: true }),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    // Each field with values its schema must refuse: the wrong JSON type, or the right type out of range.
    const invalid: [string[], fc.Arbitrary<unknown>][] = [
      [['job'], notAString],
      [['runId'], notAString],
      [['host'], notAString],
      [['startedAt'], fc.oneof(notAString, fc.constantFrom('', 'yesterday', '2026-13-01T00:00:00Z', '2026-11-24 01:00:00'))],
      [['payload', 'key'], fc.oneof(notAString, fc.constant(''))],
      [['payload', 'size'], notACount],
      [['payload', 'sha256'], fc.oneof(notAString, fc.string({ maxLength: 63 }), fc.constant('g'.repeat(64)))],
      [['etcd', 'revision'], notACount],
      [['etcd', 'totalKeys'], notACount],
      [['etcd', 'endpoint'], notAString],
    ];
    const fieldWithJunk = fc.oneof(...invalid.map(([path, junk]) => junk.map((value) => ({ path, value }))));
    fc.assert(
      fc.property(fieldWithJunk, ({ path, value }) => {
        const manifest = structuredClone(valid);
        const parent = path.length === 1 ? manifest : (manifest[path[0] ?? ''] as Record<string, unknown>);
        parent[path[path.length - 1] ?? ''] = value;
        expect(() => parseManifest(JSON.stringify(manifest), 'prod-etcd/x/manifest.json')).toThrow(ManifestError);
        expect(() => parseManifest(JSON.stringify(manifest), 'prod-etcd/x/manifest.json')).toThrow(`manifest.${path.join('.')}`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads an inventory record with any one column made wrong as the row it says, or refuses it naming that column', () => {
    const columns = ['Bucket', 'Key', 'VersionId', 'IsLatest', 'IsDeleteMarker', 'Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus', 'ObjectLockRetainUntilDate', 'ObjectLockMode'];
    const valid = ['backups', 'prod-etcd/20261124T010000Z-0a1b2c3d4e/payload.zst', 'v1', 'true', 'false', '12', '2026-11-24T01:00:00.000Z', 'STANDARD', 'SSE-KMS', '', ''];
    const reader = new InventoryRowReader(columns);
    const junk = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('true', 'false', '', '12', '-1', '2026-11-24T01:00:00.000Z', '%E0%A4%A', 'a%2Cb+c'));
    const outcomes = { read: 0, refused: 0, columns: 0 };
    fc.assert(
      fc.property(fc.nat({ max: columns.length - 1 }), junk, fc.constantFrom(-1, 0, 0, 0, 1), (at, value, lengthChange) => {
        const record = [...valid];
        record[at] = value;
        if (lengthChange < 0) record.pop();
        if (lengthChange > 0) record.push('extra');
        let row: ReturnType<InventoryRowReader['read']> | undefined;
        let refusal: unknown;
        try {
          row = reader.read(record, 'data/x.csv.gz line 1');
        } catch (error) {
          refusal = error;
        }
        if (lengthChange !== 0) {
          outcomes.columns += 1;
          expect(refusal).toEqual(new InvalidInventoryError(`data/x.csv.gz line 1: ${record.length} columns, the manifest's fileSchema names ${columns.length}`));
        } else if (row) {
          outcomes.read += 1;
          const column = (name: string) => record[columns.indexOf(name)] ?? '';
          expect(row.key).toBe(decodeURIComponent(column('Key').replace(/\+/g, ' ')));
          expect([row.isLatest, row.isDeleteMarker]).toEqual([column('IsLatest') === 'true', column('IsDeleteMarker') === 'true']);
          expect([row.storageClass, row.encryptionStatus, row.objectLockMode]).toEqual([column('StorageClass'), column('EncryptionStatus'), column('ObjectLockMode')]);
          // What is read is what the column says, and a size or date that is one.
          if (!row.isDeleteMarker) expect([column('Size'), row.size]).toEqual([expect.stringMatching(/^\d+$/), Number(column('Size'))]);
          expect(Number.isFinite(row.lastModified)).toBe(true);
        } else {
          outcomes.refused += 1;
          expect(refusal).toBeInstanceOf(InvalidInventoryError);
          expect((refusal as Error).message).toMatch(new RegExp(`^data/x\\.csv\\.gz line 1: ${columns[at]} `));
        }
      }),
      { numRuns: 500 },
    );
    // Every branch is exercised, not only the refusals.
    expect(Object.values(outcomes).every((count) => count > 25)).toBe(true);
  });
});
