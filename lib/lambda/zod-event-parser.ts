import type { MiddlewareObj } from '@middy/core';
import type * as z from 'zod';
import { InvalidEventError } from '../errors';
import { formatIssues } from '../validation-issues';

/**
 * middy middleware that replaces `request.event` with the schema's parse result, so a handler
 * only ever sees a valid event; a bad one fails before any work with every bad field named.
 *
 * @example
 * export const handler = middy(run).use(zodEventParser(scheduledBackupEventSchema));
 */
export function zodEventParser<S extends z.ZodType>(schema: S): MiddlewareObj<unknown> {
  return {
    before: function parseEventWithZod(request) {
      const result = schema.safeParse(request.event);
      if (!result.success) throw new InvalidEventError(`invalid event:\n${formatIssues(result.error, 'event')}`, { cause: result.error });
      request.event = result.data;
    },
  };
}
