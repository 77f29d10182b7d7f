import { gzipSync } from 'node:zlib';
import { inventoryLayout, inventoryLine, inventoryManifestJson, type InventoryObject } from '../../lib/local/inventory-writer';
import type { MemoryObjectStore } from './recording-ports';

export { encodeInventoryKey, type InventoryObject } from '../../lib/local/inventory-writer';

/**
 * Writes an inventory as S3 delivers it into an in-memory reports store: gzipped CSV files and a
 * manifest.json naming them; returns the manifest's key.
 */
export function writeInventory(store: MemoryObjectStore, bucket: string, objects: readonly InventoryObject[], createdAt: Date, files = 2): string {
  const layout = inventoryLayout(bucket, createdAt);
  const perFile = Math.ceil(objects.length / files) || 1;
  const entries: { key: string; size: number }[] = [];
  for (let file = 0; file * perFile < Math.max(objects.length, 1); file += 1) {
    const lines = objects.slice(file * perFile, (file + 1) * perFile).map((object, index) => inventoryLine(bucket, object, file * perFile + index));
    const body = gzipSync(lines.length ? `${lines.join('\n')}\n` : '');
    const key = layout.dataKey(file);
    store.binary.set(key, body);
    entries.push({ key, size: body.length });
  }
  store.objects.set(layout.manifestKey, inventoryManifestJson(bucket, createdAt, entries));
  return layout.manifestKey;
}
