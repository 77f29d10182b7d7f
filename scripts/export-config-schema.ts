/** `npm run schema`: writes config/cronsnap.schema.json and docs/config-reference.md from the zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../lib/config/config-json-schema';
import { configReferenceMarkdown } from '../lib/config/config-reference';

const root = join(__dirname, '..');
for (const [target, text] of [
  [join(root, 'config', 'cronsnap.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`],
  [join(root, 'docs', 'config-reference.md'), configReferenceMarkdown()],
] as const) {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
