/** `npm run schema`: writes config/cronsnap.schema.json from the zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../lib/config/config-json-schema';

const target = join(__dirname, '..', 'config', 'cronsnap.schema.json');
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
