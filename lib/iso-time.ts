/**
 * Times as manifests and events write them: ISO-8601, whole seconds or with a fraction (the
 * schemas accept both), events also with an offset. As strings they do not sort as the instants
 * they name (`…:00.5Z` sorts before `…:00Z`), so they are compared as instants.
 */

/** A comparator of items by the instant `time` names: oldest first. */
export function byInstant<T>(time: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => Date.parse(time(a)) - Date.parse(time(b));
}

/** `2026-12-03T16:40:01Z`: the UTC second `time` falls in, as the hosts write times. */
export function wholeSecond(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
