import { chromium, type Browser } from 'playwright-core';
import { runPrefix } from '../../lib/catalog/object-layout';
import { runIdFor } from '../../lib/catalog/run-id';
import { buildComplianceReport } from '../../lib/compliance/compliance-report';
import { parseConfig } from '../../lib/config/load-config';
import { configInput, etcdJobInput, mysqlJobInput } from '../helpers/config-factory';
import { writeInventory, type InventoryObject } from '../helpers/inventory-fixture';
import { MemoryObjectStore } from '../helpers/recording-ports';

const BUCKET = 'cronsnap-backups';
const NOW = new Date('2026-11-24T12:30:00Z');

/** Hourly backups of `job`, `count` of them, the newest `hoursAgo` before noon. */
function backups(job: string, count: number, hoursAgo = 0, encryptionStatus = 'SSE-KMS'): InventoryObject[] {
  return Array.from({ length: count }, (_, index) => {
    const scheduled = new Date(Date.UTC(2026, 10, 24, 12) - (hoursAgo + index) * 3600 * 1000);
    const prefix = `${runPrefix(job, runIdFor(`${job}-${index}`, scheduled), scheduled)}/i-0123456789abcdef0`;
    return [
      { key: `${prefix}/payload.zst`, size: 5000 + index * 100, lastModified: scheduled, encryptionStatus },
      { key: `${prefix}/manifest.json`, size: 800, lastModified: scheduled, encryptionStatus },
    ];
  }).flat();
}

describe('report.html in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => browser?.close());

  it('shows each job red or green at a glance, its checks and a size chart, with no external request or script error', async () => {
    const store = new MemoryObjectStore();
    const manifestKey = writeInventory(store, BUCKET, [...backups('prod-etcd', 6), ...backups('shop-mysql', 4, 5, 'SSE-S3')], NOW);
    const config = parseConfig(
      configInput([
        etcdJobInput({ schedule: '0 * * * *', retention: { keepLast: 6 } }),
        mysqlJobInput({ name: 'shop-mysql', schedule: '0 * * * *', retention: { keepLast: 4 } }),
      ]),
    );
    await buildComplianceReport(manifestKey, { config, reports: store, backupBucket: BUCKET, backups: store, now: () => NOW });
    const html = store.objects.get('reports/latest/report.html') ?? '';
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));

    await page.setContent(html, { waitUntil: 'load' });

    expect(await page.title()).toBe('cronsnap compliance report 2026-11-24');
    const summary = await page.$$eval('#summary tbody tr', (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)));
    expect(summary).toEqual([
      ['prod-etcd', 'OK', '6', '30m', '-', ''],
      ['shop-mysql', 'VIOLATION', '4', '5h 30m', '-', 'rpo, schedule-gaps, encryption'],
    ]);
    const statusColours = await page.$$eval('#summary tbody tr td:nth-child(2)', (cells) => cells.map((cell) => (cell.ownerDocument.defaultView?.getComputedStyle(cell).backgroundColor ?? '')));
    expect(statusColours).toEqual(['rgb(215, 245, 221)', 'rgb(253, 224, 224)']);
    const failedChecks = await page.$$eval('#job-shop-mysql tr.fail td:first-child', (cells) => cells.map((cell) => cell.textContent));
    expect(failedChecks).toEqual(['rpo', 'schedule-gaps', 'encryption']);
    expect(await page.$$eval('#job-prod-etcd svg.chart rect', (bars) => bars.length)).toBe(6);
    const heights = await page.$$eval('#job-prod-etcd svg.chart rect', (bars) => bars.map((bar) => Number(bar.getAttribute('height'))));
    // The fixture's backups shrink over time: the oldest bar, on the left, is the tallest.
    expect(heights[0]).toBeGreaterThan(heights[5] ?? Infinity);
    expect(await page.textContent('#verdict')).toContain('3 violations.');
    expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
