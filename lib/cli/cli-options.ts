import { InvalidArgumentError } from 'commander';
import type * as z from 'zod';

/** `keepDays` as its option is spelt on the command line: `--keep-days`; a field given as an argument by its own name (`<job>`). */
function optionName(key: PropertyKey | undefined, operands: Readonly<Record<string, string>>): string {
  if (key === undefined) return 'options';
  return operands[String(key)] ?? `--${String(key).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * A command's options checked by `schema`; every problem becomes one line naming its option
 * (`--engine: unknown engine 'oracle'`, `<job>: ...` for the fields `operands` names), thrown as
 * commander reports a bad argument (exit code 2).
 */
export function parseCliOptions<T extends z.ZodType>(schema: T, input: z.input<T>, operands: Readonly<Record<string, string>> = {}): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${optionName(issue.path[0], operands)}: ${issue.message}`);
  throw new InvalidArgumentError([...new Set(lines)].join('\n'));
}
