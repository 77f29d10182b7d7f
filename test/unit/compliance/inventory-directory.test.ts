import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryObjectStore } from '../../../lib/adapters/directory-object-store';
import { buildComplianceReport } from '../../../lib/compliance/compliance-report';
import { parseConfig } from '../../../lib/config/load-config';
import { writeInventoryDirectory } from '../../../lib/local/inventory-writer';
import { configInput, etcdJobInput } from '../../helpers/config-factory';

describe('an inventory on disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'cronsnap-inventory-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is written in several gzipped files, streamed, and read back into a report beside it', async () => {
    const created = new Date('2026-11-24T01:00:00Z');
    const objects = Array.from({ length: 5 }, (_, hour) => {
      const prefix = `prod-etcd/2026/11/24/20261124T0${hour}0000Z-0123456789/i-0123456789abcdef0`;
      const lastModified = new Date(Date.UTC(2026, 10, 24, hour));
      return [{ key: `${prefix}/snapshot.db.zst`, size: 10, lastModified }, { key: `${prefix}/manifest.json`, size: 1, lastModified }];
    }).flat();

    const manifestKey = await writeInventoryDirectory(root, 'cronsnap-backups', objects, created, 4);
    const store = new DirectoryObjectStore(root);
    const config = parseConfig(configInput([etcdJobInput({ schedule: '0 * * * *' })]));
    const { report } = await buildComplianceReport(manifestKey, { config, reports: store, backupBucket: 'cronsnap-backups', backups: store, now: () => created });

    expect((await store.list('inventory/')).filter((object) => object.key.endsWith('.csv.gz'))).toHaveLength(3);
    expect(report.inventory.rows).toBe(10);
    expect(report.jobs[0]?.validBackups).toBe(5);
    expect(await store.getText('reports/latest/report.json')).toContain('"validBackups": 5');
    await expect(store.getText('../outside')).rejects.toThrow('leaves');
  });
});
