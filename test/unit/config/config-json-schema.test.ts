import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../../../lib/config/config-json-schema';

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
