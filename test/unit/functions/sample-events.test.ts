import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodType } from 'zod';
import { objectCreatedEventSchema } from '../../../lib/compliance/object-created-event';
import { listBackupsEventSchema } from '../../../lib/restore/list-backups';
import { restoreEventSchema } from '../../../lib/restore/restore';

const EVENTS_DIR = join(__dirname, '../../../events');

/** Sample console events are named after the function they are for. */
const SCHEMAS: [prefix: string, schema: ZodType][] = [
  ['list-backups', listBackupsEventSchema],
  ['restore-', restoreEventSchema],
  ['compliance-report', objectCreatedEventSchema],
];

describe('sample console events', () => {
  it.each(readdirSync(EVENTS_DIR))('%s is accepted by its function', (file) => {
    const schema = SCHEMAS.find(([prefix]) => file.startsWith(prefix))?.[1];
    expect(schema).toBeDefined();
    const result = schema?.safeParse(JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')));
    expect(result?.error?.issues ?? []).toEqual([]);
  });
});
