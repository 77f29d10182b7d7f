/** Resolves once `clock` (a server's own, in whole seconds) has passed `second`: logs and recovery targets carry whole seconds. */
export async function secondPassed(clock: () => Promise<number>, second: number): Promise<void> {
  while ((await clock()) <= second) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** `second` (Unix time) as the ISO-8601 second a restore to a time takes. */
export const isoSecond = (second: number) => new Date(second * 1000).toISOString().replace('.000Z', 'Z');
