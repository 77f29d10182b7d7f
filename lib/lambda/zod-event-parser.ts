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
 *
 * A function that chooses the schema serves a function with two kinds of event, each parsed by its
 * own schema, so that a bad one's errors name its own fields.
 */
export function zodEventParser(schema: z.ZodType | ((event: unknown) => z.ZodType)): MiddlewareObj<unknown> {
  return {
    before: function parseEventWithZod(request) {
      const result = (typeof schema === 'function' ? schema(request.event) : schema).safeParse(request.event);
      if (!result.success) throw new InvalidEventError(`invalid event:\n${formatIssues(result.error, 'event')}`, { cause: result.error });
      request.event = result.data;
    },
  };
}

/** A host workflow's step (its state carries `commands`), else the operator's or the schedule's request. */
export function workflowStepOr(step: z.ZodType, request: z.ZodType): (event: unknown) => z.ZodType {
  return (event) => (typeof event === 'object' && event !== null && 'commands' in event ? step : request);
}
