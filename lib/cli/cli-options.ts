import { InvalidArgumentError } from 'commander';
import type * as z from 'zod';

/** `keepDays` as its option is spelt on the command line: `--keep-days`. */
function optionName(key: PropertyKey | undefined): string {
  return key === undefined ? 'options' : `--${String(key).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * A command's options checked by `schema`; every problem becomes one line naming its option
 * (`--engine: unknown engine 'oracle'`), thrown as commander reports a bad argument (exit code 2).
 */
export function parseCliOptions<T extends z.ZodType>(schema: T, input: z.input<T>): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${optionName(issue.path[0])}: ${issue.message}`);
  throw new InvalidArgumentError([...new Set(lines)].join('\n'));
}
