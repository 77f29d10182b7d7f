/**
 * WAL segment names and their order. A segment's number is its first LSN divided by the segment
 * size; its name is the timeline, then that number as a 4 GiB "log id" and the segments within it,
 * each eight upper-case hex digits (PostgreSQL's XLogFileName).
 */
const SEGMENT_NAME = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
const LOG_ID_BYTES = 0x100000000n;

export function isSegmentName(name: string): boolean {
  return SEGMENT_NAME.test(name);
}

export function segmentNumber(name: string, segmentSize: number): bigint {
  const match = SEGMENT_NAME.exec(name);
  if (!match) throw new Error(`${name} is not a WAL segment name`);
  return BigInt(`0x${match[2]}`) * (LOG_ID_BYTES / BigInt(segmentSize)) + BigInt(`0x${match[3]}`);
}

export function segmentTimeline(name: string): number {
  return Number.parseInt(name.slice(0, 8), 16);
}

export function segmentName(timeline: number, segment: bigint, segmentSize: number): string {
  const perLogId = LOG_ID_BYTES / BigInt(segmentSize);
  const hex = (value: bigint | number) => value.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segment / perLogId)}${hex(segment % perLogId)}`;
}

/** The segment holding `lsn` (`16/B374D848`) on `timeline`. */
export function segmentOfLsn(lsn: string, timeline: number, segmentSize: number): string {
  const [high = '', low = ''] = lsn.split('/');
  const bytes = (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
  return segmentName(timeline, bytes / BigInt(segmentSize), segmentSize);
}

export type WalChain =
  /** `to` is the newest segment shipped, undefined while none from `from` on is. */
  | { readonly kind: 'whole'; readonly from: string; readonly to: string | undefined }
  | { readonly kind: 'broken'; readonly from: string; readonly missing: { readonly from: string; readonly to: string } };

/**
 * Whether every segment from `from` (where a base backup's WAL starts) to the newest of `shipped`
 * is there, one after the other on one timeline. The first hole is named; segments before `from`
 * do not matter to it.
 */
export function walChain(from: string, shipped: readonly string[], segmentSize: number): WalChain {
  const timeline = segmentTimeline(from);
  const first = segmentNumber(from, segmentSize);
  const have = new Set(shipped.filter((name) => segmentTimeline(name) === timeline).map((name) => segmentNumber(name, segmentSize)).filter((n) => n >= first));
  const newest = [...have].reduce((a, b) => (b > a ? b : a), first - 1n);
  for (let segment = first; segment <= newest; segment++) {
    if (have.has(segment)) continue;
    let end = segment;
    while (!have.has(end + 1n)) end++;
    return { kind: 'broken', from, missing: { from: segmentName(timeline, segment, segmentSize), to: segmentName(timeline, end, segmentSize) } };
  }
  return { kind: 'whole', from, to: newest < first ? undefined : segmentName(timeline, newest, segmentSize) };
}
