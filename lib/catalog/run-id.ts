import * as z from 'zod';
import { createHash } from 'node:crypto';

/** `20261123T193000Z`: sorts like the time it names. */
export function compactUtc(time: Date): string {
  return time.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * A run id is a pure function of the triggering event, so a redelivered event (EventBridge is
 * at-least-once) maps to the same run and is recognised as a duplicate.
 */
export function runIdFor(eventId: string, scheduledTime: Date): string {
  const digest = createHash('sha256').update(eventId).digest('hex').slice(0, 10);
  return `${compactUtc(scheduledTime)}-${digest}`;
}

/** The scheduled time a run id starts with; undefined when the id was not made by `runIdFor`. */
export function runStartedAt(runId: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0));
}

/** A run id as operators type it (list-backups shows them). */
export const runIdSchema = z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{10}$/, 'must be a run id such as 20261123T103000Z-0123456789');
