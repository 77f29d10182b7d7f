import { createHash } from 'node:crypto';
import { ScheduleError } from '../errors';

interface HashedField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Highest value a bare `H` picks; day-of-month stops at 28 so the pick exists in every month, as in Jenkins. */
  readonly pickMax: number;
}

/** The five fields of a crontab line, in order. */
const FIELDS: readonly HashedField[] = [
  { name: 'minute', min: 0, max: 59, pickMax: 59 },
  { name: 'hour', min: 0, max: 23, pickMax: 23 },
  { name: 'day-of-month', min: 1, max: 31, pickMax: 28 },
  { name: 'month', min: 1, max: 12, pickMax: 12 },
  { name: 'day-of-week', min: 0, max: 6, pickMax: 6 },
];

/** Jenkins' `H`, `H(a-b)`, `H/n` and `H(a-b)/n`; the H of a name such as THU is not one. */
const HASHED = /(?<![A-Za-z])H(?:\((\d+)-(\d+)\))?(?:\/(\d+))?(?![A-Za-z])/g;

/** Whether a crontab field uses `H`. */
export function isHashed(field: string): boolean {
  return new RegExp(HASHED.source).test(field);
}

function pinField(text: string, field: HashedField, pick: number): string {
  return text.replace(HASHED, (_match, from: string | undefined, to: string | undefined, step: string | undefined) => {
    const low = from === undefined ? field.min : Number(from);
    const high = to === undefined ? field.pickMax : Number(to);
    if (low > high || low < field.min || high > field.max) {
      throw new ScheduleError(`${field.name}: H(${from}-${to}) must be a range within ${field.min}-${field.max}`);
    }
    if (step === undefined) return String(low + (pick % (high - low + 1)));
    const every = Number(step);
    if (every < 1 || every > high - low + 1) throw new ScheduleError(`${field.name}: the step of H/${step} must be 1-${high - low + 1}`);
    return `${low + (pick % every)}-${high}/${every}`;
  });
}

/**
 * Pins every `H` of a crontab line to a value picked from a hash of `seed` (the job's name), as
 * Jenkins does: jobs written alike spread out, and each keeps its minute at every synth. The pick
 * is cronsnap's own (sha256), so no library upgrade moves a schedule. Anything but a 5-field line
 * with `H` is returned as it is.
 */
export function pinHashedValues(schedule: string, seed: string): string {
  const texts = schedule.trim().split(/\s+/);
  if (/^(cron|rate)\(/.test(schedule.trim()) || texts.length !== FIELDS.length || !texts.some(isHashed)) return schedule;
  const digest = createHash('sha256').update(seed).digest();
  return texts
    .map((text, index) => {
      const field = FIELDS[index];
      return field ? pinField(text, field, digest.readUInt32BE(index * 4)) : text;
    })
    .join(' ');
}
