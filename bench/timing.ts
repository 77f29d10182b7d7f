export interface BenchResult {
  readonly name: string;
  readonly ratio: number;
  readonly detail: string;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

/** How many rounds `sideBySide` runs: BENCH_ROUNDS, default 3. */
export function benchRounds(): number {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, got '${process.env.BENCH_ROUNDS}'`);
  return rounds;
}

/**
 * Runs every contender once per round, in turn, and returns each one's median seconds and its
 * last result. Taking turns spreads this VM's drift over all of them; the median drops a round
 * that a neighbour's burst slowed down.
 */
export async function sideBySide<C extends Record<string, () => Promise<unknown>>>(
  contenders: C,
  rounds = benchRounds(),
): Promise<{ [K in keyof C]: { seconds: number; result: Awaited<ReturnType<C[K]>> } }> {
  const names = Object.keys(contenders);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  const results = new Map<string, unknown>();
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const { seconds, result } = await timed(contenders[name] as () => Promise<unknown>);
      times.get(name)?.push(seconds);
      results.set(name, result);
    }
  }
  return Object.fromEntries(names.map((name) => [name, { seconds: median(times.get(name) ?? []), result: results.get(name) }])) as {
    [K in keyof C]: { seconds: number; result: Awaited<ReturnType<C[K]>> };
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const at = (index: number) => sorted[index] ?? Number.NaN;
  return sorted.length % 2 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
}
