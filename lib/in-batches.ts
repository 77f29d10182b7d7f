/**
 * `read` over every item, at most `concurrency` at once, results in item order: reads of many
 * small objects overlap without opening a request per item at the same moment.
 */
export async function inBatches<T, R>(items: readonly T[], concurrency: number, read: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let at = 0; at < items.length; at += concurrency) results.push(...(await Promise.all(items.slice(at, at + concurrency).map(read))));
  return results;
}
