import * as z from 'zod';
import { cronsnapConfigSchema } from './cronsnap-config';

/** JSON Schema of the config file as an operator writes it (defaults optional), for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(cronsnapConfigSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'cronsnap config',
  };
}
