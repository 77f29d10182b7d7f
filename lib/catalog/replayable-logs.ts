import type { StoredObject } from '../ports/object-store';

/** What a listed key of a folder of shipped logs is: the log it belongs to, and which part of it. */
export interface ShippedLogPart {
  readonly name: string;
  readonly part: 'payload' | 'manifest';
}

/**
 * The logs of a listed folder a restore can replay, with the bytes of each payload as stored: a log
 * is shipped once its manifest is (written after the payload), and replayable only while its
 * payload is still there. Restores plan from this, so a log whose payload is gone is refused when
 * the plan is made, not when the host comes to download it.
 */
export function replayableLogs(objects: readonly StoredObject[], partOf: (key: string) => ShippedLogPart | undefined): Map<string, number> {
  const sizes = new Map<string, number>();
  const manifests = new Set<string>();
  for (const object of objects) {
    const part = partOf(object.key);
    if (part?.part === 'payload') sizes.set(part.name, object.size);
    if (part?.part === 'manifest') manifests.add(part.name);
  }
  return new Map([...sizes].filter(([name]) => manifests.has(name)));
}
