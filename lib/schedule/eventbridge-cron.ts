import { ScheduleError } from '../errors';

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Specials EventBridge accepts in this field beyond `* , - /`. */
  readonly specials: { readonly question?: boolean; readonly last?: boolean; readonly weekday?: boolean; readonly nth?: boolean };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The six fields of an EventBridge cron expression, in order (AWS EventBridge "cron expressions" reference). */
const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59, specials: {} },
  { name: 'hours', min: 0, max: 23, specials: {} },
  { name: 'day-of-month', min: 1, max: 31, specials: { question: true, last: true, weekday: true } },
  { name: 'month', min: 1, max: 12, names: MONTHS, specials: {} },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, specials: { question: true, last: true, nth: true } },
  { name: 'year', min: 1970, max: 2199, specials: {} },
];

function parseValue(token: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(token)) throw new ScheduleError(`${spec.name}: '${token}' is not a number${spec.names ? ' or name' : ''}`);
  const value = Number(token);
  if (value < spec.min || value > spec.max) {
    throw new ScheduleError(`${spec.name}: ${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

function checkRange(token: string, spec: FieldSpec): void {
  const [from, to, ...rest] = token.split('-');
  if (from === undefined || rest.length > 0) throw new ScheduleError(`${spec.name}: '${token}' is not a value or range`);
  parseValue(from, spec);
  if (to !== undefined) parseValue(to, spec);
}

function checkItem(item: string, spec: FieldSpec): void {
  if (item === '*') return;
  if (item === 'L' && spec.specials.last) return;
  if (spec.specials.weekday && /^(\d+|L)W$/.test(item)) {
    if (item !== 'LW' && parseValue(item.slice(0, -1), spec) > 28) {
      throw new ScheduleError(`${spec.name}: '${item}' names a day some months lack, where EventBridge does not document its run; use LW for the last weekday`);
    }
    return;
  }
  if (spec.specials.last && /^\w+L$/.test(item) && spec.name === 'day-of-week') {
    parseValue(item.slice(0, -1), spec);
    return;
  }
  if (spec.specials.nth && item.includes('#')) {
    const [day = '', nth = ''] = item.split('#');
    parseValue(day, spec);
    if (!/^[1-5]$/.test(nth)) throw new ScheduleError(`${spec.name}: '#${nth}' must be 1-5 (the nth weekday of the month)`);
    return;
  }
  const [base = '', step, ...rest] = item.split('/');
  if (rest.length > 0) throw new ScheduleError(`${spec.name}: '${item}' has more than one '/'`);
  if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) {
    throw new ScheduleError(`${spec.name}: step '${step}' must be a positive whole number`);
  }
  if (base !== '*') checkRange(base, spec);
}

function checkField(field: string, spec: FieldSpec): void {
  if (field === '?') {
    if (!spec.specials.question) throw new ScheduleError(`${spec.name}: '?' is allowed only in day-of-month and day-of-week`);
    return;
  }
  const items = field.split(',');
  for (const item of items) {
    if (item === '') throw new ScheduleError(`${spec.name}: empty list item in '${field}'`);
    checkItem(item, spec);
    // AWS documents this for '#' ('3#1,6#3' is refused); Quartz, whose syntax this is, refuses L and W in lists too.
    if (items.length > 1 && /[LW]$|#/.test(item) && (spec.specials.last || spec.specials.nth)) {
      throw new ScheduleError(`${spec.name}: '${item}' must be the field's only value, not one of the list '${field}'`);
    }
  }
}

/**
 * Checks the six fields inside `cron(...)` against EventBridge's grammar, including its rule that
 * exactly one of day-of-month and day-of-week is `?`.
 */
export function validateEventBridgeCron(body: string): void {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== FIELDS.length) {
    throw new ScheduleError(`cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  }
  fields.forEach((field, index) => {
    const spec = FIELDS[index];
    if (spec) checkField(field, spec);
  });
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new ScheduleError(
      "exactly one of day-of-month and day-of-week must be '?' (EventBridge cannot combine them); e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON *)",
    );
  }
}
