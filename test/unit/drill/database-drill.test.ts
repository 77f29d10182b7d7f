import { parseConfig } from '../../../lib/config/load-config';
import { isDrilled } from '../../../lib/config/job-config';
import { judgeDatabaseDrill } from '../../../lib/drill/database-drill-checks';
import { drillPlan, scratchPrefix } from '../../../lib/drill/drill-plan';
import { DRILL_PROGRAM_OF } from '../../../lib/drill/drill-programs';
import { RestoreError } from '../../../lib/errors';
import { reportLines } from '../../../lib/ssm/report-lines';
import { configInput, mysqlJobInput } from '../../helpers/config-factory';
import { mysqlManifest } from '../../helpers/manifest-factory';

function counted(database: string, rows: Record<string, number>): string {
  return `cronsnap: counted ${JSON.stringify({ database, into: `${scratchPrefix('d')}_1`, rows })}`;
}

describe('database drill checks', () => {
  it('compares every table on either side, naming a table missing from the restore or from the manifest', () => {
    const checks = judgeDatabaseDrill({ shop: { products: 3, orders: 2 } }, ['shop'], reportLines(counted('shop', { products: 3, audit: 5 })));

    expect(checks).toEqual([
      { name: 'databases restored', expected: 'shop', actual: 'shop', passed: true },
      { name: 'rows shop.audit', expected: 'no such table', actual: 5, passed: false },
      { name: 'rows shop.orders', expected: 2, actual: 'no such table', passed: false },
      { name: 'rows shop.products', expected: 3, actual: 3, passed: true },
    ]);
  });

  it('judges a backup that recorded no row counts on its databases alone', () => {
    expect(judgeDatabaseDrill(undefined, ['crm', 'shop'], reportLines(`${counted('crm', { customers: 2 })}\n`))).toEqual([
      { name: 'databases restored', expected: 'crm,shop', actual: 'crm', passed: false },
    ]);
  });

  it('refuses output that restored nothing', () => {
    expect(() => judgeDatabaseDrill({}, ['shop'], reportLines('cronsnap: step=restore\n'))).toThrow(RestoreError);
  });
});

describe('database drill plan', () => {
  const config = parseConfig(configInput([mysqlJobInput({ drill: { schedule: '@weekly', workDir: '/srv/drills' } } as never)]));
  const [job] = config.jobs;
  if (!job || !isDrilled(job)) throw new Error('the mysql job must have a drill');

  it('restores the user databases of the newest dump, and never the system ones, into scratch names of its own', () => {
    const manifest = mysqlManifest();
    const backup = { runId: manifest.runId, host: manifest.host, finishedAt: manifest.finishedAt, engine: manifest.engine, bytes: manifest.payload.size, manifestKey: 'prod-mysql/x/manifest.json', detail: manifest.mysql.serverVersion, manifest };
    const plan = drillPlan(job, backup, '20261129T040000Z-abc', 'backups');

    expect(plan.program).toBe(DRILL_PROGRAM_OF.mysql);
    expect(plan.parameters).toMatchObject({ databases: 'crm,shop', server: '10.0.2.15:3306', workDir: '/srv/drills', bucket: 'backups', payloadKey: manifest.payload.key });
    const pattern = DRILL_PROGRAM_OF.mysql.parameters.find((parameter) => parameter.name === 'scratchPrefix')?.pattern ?? '';
    expect(plan.parameters.scratchPrefix).toMatch(new RegExp(pattern));
    expect(scratchPrefix('20261129T040000Z-abc')).not.toBe(scratchPrefix('20261129T040000Z-abd'));
  });
});
