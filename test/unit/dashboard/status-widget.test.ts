import { commandRecordKey, drillResultKey, runMarkerKey } from '../../../lib/catalog/object-layout';
import { parseConfig } from '../../../lib/config/load-config';
import { statusWidgetHtml } from '../../../lib/dashboard/status-widget';
import { jobStatuses } from '../../../lib/status/job-status';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';
import { HOST, runIdAt, storedEtcdBackup } from '../../helpers/stored-backups';

const NOW = new Date('2026-12-07T10:10:00Z');
const COMMAND_LOG = { region: 'eu-central-1', name: '/cronsnap/Cronsnap/commands' };
const COMMAND_ID = 'c0000000-0000-4000-8000-000000000001';

const config = parseConfig(
  configInput([
    etcdJobInput({ name: 'fresh-etcd', schedule: '0 */6 * * *' }),
    etcdJobInput({ name: 'broken-etcd', schedule: '0 */6 * * *', timeoutMinutes: 20 }),
  ]),
);

/** fresh-etcd backed up an hour ago; broken-etcd's newest run was claimed 30 minutes ago on one host and never landed, and its drill failed. */
function fleetStore(drillReason: string): MemoryObjectStore {
  const store = new MemoryObjectStore();
  const finishedAt = new Date(NOW.getTime() - 3_600_000);
  const manifest = { startedAt: new Date(finishedAt.getTime() - 40_000).toISOString(), finishedAt: finishedAt.toISOString() };
  for (const [key, body] of storedEtcdBackup(runIdAt(NOW, 1), { job: 'fresh-etcd', manifest })) store.objects.set(key, body);
  const failedRun = runIdAt(NOW, 0.5, 'abcdef0123');
  const claimedAt = new Date(NOW.getTime() - 30 * 60_000).toISOString();
  store.objects.set(runMarkerKey('broken-etcd', failedRun), JSON.stringify({ job: 'broken-etcd', runId: failedRun, hosts: [HOST], memberHosts: [], claimedAt }));
  store.objects.set(commandRecordKey('broken-etcd', failedRun), JSON.stringify({ runId: failedRun, sentAt: claimedAt, commands: [{ commandId: COMMAND_ID, program: 'etcd-backup', hosts: [HOST] }] }));
  const drillId = '20261207T040000Z-bbbbbbbbbb';
  store.objects.set(
    drillResultKey('broken-etcd', drillId),
    JSON.stringify({ formatVersion: 1, job: 'broken-etcd', drillId, passed: false, reason: drillReason, checks: [], backup: { runId: 'r', host: HOST, manifestKey: 'k' }, startedAt: '2026-12-07T04:02:00Z', finishedAt: '2026-12-07T04:03:00Z', restoreSeconds: 12 }),
  );
  return store;
}

async function widget(drillReason = 'keys: expected 51, restored 50'): Promise<string> {
  const statuses = await jobStatuses({}, { config, store: fleetStore(drillReason), now: () => NOW });
  return statusWidgetHtml(statuses, NOW, COMMAND_LOG);
}

const rowOf = (html: string, job: string) => html.match(new RegExp(`<tr[^>]*><td>${job}</td>.*?</tr>`))?.[0] ?? '';

describe('status widget', () => {
  it("shows every job with status's columns, next run and point in time included, marking the one that needs a look", async () => {
    const html = await widget();

    expect(html).toContain('<th>NEXT RUN (UTC)</th><th>DRILL</th><th>POINT IN TIME</th><th>COPY</th>');
    expect(rowOf(html, 'fresh-etcd')).toMatch(/^<tr><td>fresh-etcd<\/td><td>etcd<\/td>.*<td>2026-12-07 12:00<\/td>/);
    expect(rowOf(html, 'broken-etcd')).toMatch(/^<tr class="look"><td>broken-etcd<\/td>.*<td>failed<\/td>.*<td>FAILED 2026-12-07<\/td>/);
    expect(html).toContain('2 jobs, one needs a look; read 2026-12-07 10:10 UTC.');
  });

  it("links the failed run's host to both its output streams in the command log group", async () => {
    const html = await widget();
    const stream = (which: string) => encodeURIComponent(encodeURIComponent(`${COMMAND_ID}/${HOST}/cronsnap-etcd-backup/${which}`)).replace(/%/g, '\\$');
    const link = (which: string) => `<a href="https://eu-central-1\\.console\\.aws\\.amazon\\.com/cloudwatch/home\\?region=eu-central-1#logsV2:log-groups/log-group/\\$252Fcronsnap\\$252FCronsnap\\$252Fcommands/log-events/${stream(which)}" target="_blank">${which}</a>`;

    expect(html).toMatch(new RegExp(`<li style="margin-left:1.5em">${HOST}: command ${COMMAND_ID} ${link('stdout')} \\| ${link('stderr')}</li>`));
  });

  it('links a command sent to tags to every stream of the command, as it names no hosts', async () => {
    const store = fleetStore('x');
    const [key, record] = [...store.objects].find(([candidate]) => candidate.includes('/commands/')) ?? ['', ''];
    store.objects.set(key, record.replace(`"hosts":["${HOST}"]`, '"hosts":[]'));

    const html = statusWidgetHtml(await jobStatuses({}, { config, store, now: () => NOW }), NOW, COMMAND_LOG);

    expect(html).toContain(
      `<li style="margin-left:1.5em">(hosts by tag): command ${COMMAND_ID} <a href="https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/$252Fcronsnap$252FCronsnap$252Fcommands$3FlogStreamNameFilter$3D${COMMAND_ID}$252F" target="_blank">streams</a></li>`,
    );
  });

  it('escapes what hosts and configs wrote, so a drill reason cannot inject markup', async () => {
    const html = await widget('<img src=x onerror=alert(1)> "quoted" & more');

    expect(html).not.toContain('<img');
    expect(html).toContain('drill 20261207T040000Z-bbbbbbbbbb failed: &#60;img src=x onerror=alert(1)&#62; &#34;quoted&#34; &#38; more');
  });
});
