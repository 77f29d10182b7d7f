import { binlogRoot, parseBinlogChainFolder, parseShippedLogKey } from '../catalog/object-layout';
import type { ObjectStore, StoredObject } from '../ports/object-store';

/**
 * The shipped-log objects (payloads and manifests) of each folder of `serverKey`'s chains: its first
 * chain is the folder named by its key, later ones `<key>.chain-<since>` beside it.
 */
export async function serverChainObjects(store: ObjectStore, job: string, serverKey: string): Promise<Map<string, StoredObject[]>> {
  const byFolder = new Map<string, StoredObject[]>();
  for (const object of await store.list(`${binlogRoot(job)}${serverKey}`)) {
    const folder = parseShippedLogKey(object.key)?.folder;
    if (folder === undefined || parseBinlogChainFolder(folder).serverKey !== serverKey) continue;
    const stored = byFolder.get(folder) ?? [];
    stored.push(object);
    byFolder.set(folder, stored);
  }
  return byFolder;
}
