import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodType } from 'zod';
import { scheduledBackupEventSchema } from '../../../lib/backup/start-backup';
import { objectCreatedEventSchema } from '../../../lib/compliance/object-created-event';
import { etcdRestoreStepEventSchema } from '../../../lib/restore/etcd-restore-step-event';
import { statusChangeEventSchema } from '../../../lib/ssm/status-change-event';
import { listBackupsEventSchema } from '../../../lib/restore/list-backups';
import { restoreEventSchema } from '../../../lib/restore/restore';
import { drillEventSchema } from '../../../lib/drill/run-drill';
import { keepEventSchema } from '../../../lib/retention/backup-keeps';
import { statusEventSchema } from '../../../lib/status/job-status';
import { statusWidgetEventSchema } from '../../../lib/dashboard/status-widget';

const EVENTS_DIR = join(__dirname, '../../../events');
const FUNCTIONS_DIR = join(__dirname, '../../../functions');

/** Sample console events are named after the function they are for. */
const SCHEMAS: [prefix: string, schema: ZodType][] = [
  ['scheduled-backup', scheduledBackupEventSchema],
  ['backup-completed', statusChangeEventSchema],
  ['list-backups', listBackupsEventSchema],
  ['restore-drill', drillEventSchema],
  ['restore-', restoreEventSchema],
  ['etcd-restore-step', etcdRestoreStepEventSchema],
  ['compliance-report', objectCreatedEventSchema],
  ['keep-backup', keepEventSchema],
  ['job-status-widget', statusWidgetEventSchema],
  ['job-status', statusEventSchema],
];

describe('sample console events', () => {
  it.each(readdirSync(FUNCTIONS_DIR))('%s has a sample event', (fn) => {
    expect(readdirSync(EVENTS_DIR).filter((file) => file.startsWith(fn === 'restore' ? 'restore-' : fn))).not.toEqual([]);
  });

  it.each(readdirSync(EVENTS_DIR))('%s is accepted by its function', (file) => {
    const schema = SCHEMAS.find(([prefix]) => file.startsWith(prefix))?.[1];
    expect(schema).toBeDefined();
    const result = schema?.safeParse(JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')));
    expect(result?.error?.issues ?? []).toEqual([]);
  });
});
