import fc from 'fast-check';
import { parseManifest } from '../../../lib/backup/manifest';
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
    const paths: string[][] = [['job'], ['runId'], ['host'], ['startedAt'], ['payload', 'key'], ['payload', 'size'], ['payload', 'sha256'], ['etcd', 'revision'], ['etcd', 'totalKeys'], ['etcd', 'endpoint']];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.string({ maxLength: 3 }), fc.array(fc.integer(), { maxLength: 2 })), (path, junk) => {
        const manifest = structuredClone(valid);
        const parent = path.length === 1 ? manifest : (manifest[path[0] ?? ''] as Record<string, unknown>);
        const before = parent[path[path.length - 1] ?? ''];
        fc.pre(JSON.stringify(before) !== JSON.stringify(junk));
        parent[path[path.length - 1] ?? ''] = junk;
        let thrown: unknown;
        try {
          parseManifest(JSON.stringify(manifest), 'prod-etcd/x/manifest.json');
        } catch (error) {
          thrown = error;
        }
        // A junk value can still be a valid one (a short string as a job name is refused, "abc" as a host is not).
        if (thrown === undefined) return;
        expect(thrown).toBeInstanceOf(ManifestError);
        expect((thrown as Error).message).toContain(`manifest.${path.join('.')}`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads any CSV record as an inventory row or refuses it naming the column, never with another error', () => {
    const columns = ['Bucket', 'Key', 'VersionId', 'IsLatest', 'IsDeleteMarker', 'Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus', 'ObjectLockRetainUntilDate', 'ObjectLockMode'];
    const reader = new InventoryRowReader(columns);
    const field = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('true', 'false', '', '12', '2026-11-24T01:00:00.000Z', '%E0%A4%A', 'a%2Cb+c'));
    fc.assert(
      fc.property(fc.array(field, { minLength: 9, maxLength: 13 }), (record) => {
        try {
          reader.read(record, 'data/x.csv.gz line 1');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInventoryError);
          expect((error as Error).message).toMatch(/^data\/x\.csv\.gz line 1: (\d+ columns|(Key|IsLatest|IsDeleteMarker|Size|LastModifiedDate|ObjectLockRetainUntilDate) )/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
