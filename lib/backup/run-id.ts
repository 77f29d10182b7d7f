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
