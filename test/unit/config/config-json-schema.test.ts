import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../../lib/config/config-json-schema';
import { configReferenceMarkdown } from '../../../lib/config/config-reference';

describe('config JSON Schema', () => {
  it('is committed as generated from the zod schema (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../config/cronsnap.schema.json'), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });

  it('describes jobs with their engine, schedule and targets', () => {
    const text = JSON.stringify(configJsonSchema());
    for (const field of ['"engine"', '"schedule"', '"targets"', '"keepLast"', '"timezone"']) expect(text).toContain(field);
  });
});

describe('config reference', () => {
  it('is committed as generated from the zod schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync(join(__dirname, '../../../docs/config-reference.md'), 'utf8')).toBe(configReferenceMarkdown());
  });

  it('lists every engine\'s block with types, defaults and descriptions', () => {
    const text = configReferenceMarkdown();
    expect(text).toContain('| `jobs[].retention.keepLast` | integer 1..10000 |  | `7` | backups kept by count, newest first |');
    for (const field of ['`jobs[].etcd.endpoints`', '`jobs[].mysql.passwordParameter`', '`jobs[].postgres.mode`', '`jobs[].files.paths`', '`storage.objectLock.mode`']) expect(text).toContain(field);
  });
});
