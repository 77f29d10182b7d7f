import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfigFile } from '../../../lib/config/config-file';
import type { CronsnapConfig } from '../../../lib/config/cronsnap-config';
import { STARTER_ENGINES, starterConfig, type StarterOptionsInput } from '../../../lib/cli/starter-config';
import { tempDir } from '../../helpers/temp-dirs';

/** The written text as `validate` and `cdk synth` read it: from a file. */
function loaded(text: string): CronsnapConfig {
  const path = join(tempDir('cronsnap-init-'), 'cronsnap.yaml');
  writeFileSync(path, text);
  return loadConfigFile(path);
}

describe('starter config', () => {
  it.each(STARTER_ENGINES)('writes a job of engine %s that loads and validates as written', (engine) => {
    const config = loaded(starterConfig({ engine }));

    expect(config.jobs.map((job) => [job.name, job.engine])).toEqual([[engine, engine]]);
  });

  it('writes one job per engine asked, every engine together, in the order asked', () => {
    const config = loaded(starterConfig({ engine: 'files,postgres,mysql,etcd' }));

    expect(config.jobs.map((job) => job.engine)).toEqual(['files', 'postgres', 'mysql', 'etcd']);
  });

  it('takes engines as a comma list or repeated, once each', () => {
    expect(loaded(starterConfig({ engine: ['etcd', 'mysql,etcd'] })).jobs.map((job) => job.name)).toEqual(['etcd', 'mysql']);
  });

  it('keeps comments that say what to change first, above the fields they are about', () => {
    const text = starterConfig({ engine: 'etcd,mysql' });
    const document = parseDocument(text);

    expect(document.commentBefore).toMatch(/Change first/);
    expect(text).toMatch(/# Change first: how the hosts reach etcd.*\n.*\n\s+etcd:\n/);
    expect(text).toMatch(/# An SSM SecureString only this job's hosts may read.*\n(\s+#.*\n)+\s+passwordParameter: \/cronsnap\/mysql\/password\n/);
    expect(text).toMatch(/#\s+binlogs: \{ schedule: "\*\/15 \* \* \* \*" \}/);
    expect(text.split('\n').filter((line) => line.trimStart().startsWith('#')).length).toBeGreaterThan(20);
  });

  it('leaves Object Lock and the replica to a decision, and subscribes no address until one is written', () => {
    const text = starterConfig({ engine: 'etcd' });
    const config = loaded(text);

    expect(config.storage).toEqual({});
    expect(config.notifications.emails).toEqual([]);
    expect(text).toMatch(/#\s+objectLock: \{ mode: governance, days: 14 \}/);
    expect(text).toMatch(/#\s+emails: \[/);
  });

  it('drills etcd, whose drill runs on loopback, and no database, whose drill writes to a live server', () => {
    const config = loaded(starterConfig({ engine: 'etcd,mysql,postgres' }));

    expect(config.jobs.map((job) => [job.engine, 'drill' in job && job.drill !== undefined])).toEqual([
      ['etcd', true],
      ['mysql', false],
      ['postgres', false],
    ]);
  });

  it('targets every job at the tags given, values of one key as alternatives', () => {
    const config = loaded(starterConfig({ engine: 'etcd,files', tag: ['cronsnap:role=etcd,cronsnap:role=master', 'env=prod'] }));

    expect(config.jobs.map((job) => job.targets)).toEqual([
      { tags: { 'cronsnap:role': ['etcd', 'master'], env: ['prod'] } },
      { tags: { 'cronsnap:role': ['etcd', 'master'], env: ['prod'] } },
    ]);
  });

  it('targets every job at the instances given', () => {
    const config = loaded(starterConfig({ engine: 'postgres', instance: 'i-0123456789abcdef0,mi-0123456789abcdef1' }));

    expect(config.jobs[0]?.targets).toEqual({ instanceIds: ['i-0123456789abcdef0', 'mi-0123456789abcdef1'] });
  });

  it('targets each job, without hosts given, at the hosts tagged with its name', () => {
    const config = loaded(starterConfig({ engine: 'etcd,mysql' }));

    expect(config.jobs.map((job) => job.targets)).toEqual([{ tags: { 'cronsnap:job': ['etcd'] } }, { tags: { 'cronsnap:job': ['mysql'] } }]);
  });

  it.each<[string, StarterOptionsInput, string]>([
    ['an unknown engine', { engine: 'etcd,oracle' }, "--engine: unknown engine 'oracle' (choose from etcd, mysql, postgres, files)"],
    ['no engine', { engine: ' , ' }, '--engine: name at least one engine'],
    ['a tag without a value', { engine: 'etcd', tag: 'cronsnap:role' }, '--tag: must be key=value, e.g. cronsnap:role=etcd'],
    ['a tag value SSM refuses', { engine: 'etcd', tag: 'role=db;rm' }, '--tag: must be a valid tag value'],
    ['more tag keys than SendCommand takes', { engine: 'etcd', tag: 'a=1,b=2,c=3,d=4,e=5,f=6' }, '--tag: tags may have at most 5 keys'],
    ['an instance id that is none', { engine: 'etcd', instance: 'i-123' }, '--instance: must be an EC2 (i-...) or managed (mi-...) instance ID'],
    ['hosts by tag and by id at once', { engine: 'etcd', tag: 'a=b', instance: 'i-0123456789abcdef0' }, '--instance: give the hosts by --tag or by --instance, not both'],
  ])('refuses %s, naming the option', (_what, options, message) => {
    expect(() => starterConfig(options)).toThrow(message);
  });
});
