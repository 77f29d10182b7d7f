/** The gRPC gateway's API prefix for the server at `clientUrl`: 3.2 serves only v3alpha, 3.5 dropped v3beta. */
async function gatewayApi(clientUrl: string): Promise<string> {
  const { etcdserver } = (await (await fetch(`${clientUrl}/version`)).json()) as { etcdserver: string };
  if (etcdserver.startsWith('3.2.')) return 'v3alpha';
  return etcdserver.startsWith('3.3.') ? 'v3beta' : 'v3';
}

/** What etcd answers a watch opened at an old revision, as a Kubernetes watch cache would see it. */
export interface WatchAnswer {
  /** Set by 3.3 and later when the server ends the watch. */
  readonly canceled: boolean;
  /** Set when the revision was compacted: the compaction revision. */
  readonly compactRevision?: number;
  /** Revisions of the events it delivered instead. */
  readonly eventRevisions: number[];
}

/**
 * Splits complete top-level JSON objects off the front of `text`: the gateway of 3.3 and later
 * ends each streamed message with a newline, 3.2's writes them back to back.
 */
function takeObjects(text: string): { objects: string[]; rest: string } {
  const objects: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth += 1;
    else if (char === '}' && --depth === 0) {
      objects.push(text.slice(start, i + 1));
      start = i + 1;
    } else if (depth === 0) start = i + 1;
  }
  return { objects, rest: text.slice(start) };
}

interface WatchMessage {
  result?: { canceled?: boolean; compact_revision?: string; events?: { kv?: { mod_revision?: string } }[] };
}

/**
 * Opens a watch on `key` from `revision` through the gRPC gateway (the wire answer is the same on
 * every release, where etcdctl 3.2 prints only "watch is canceled") and returns its first answer
 * after the creation: a cancellation or events. Waits at most `timeoutMs` for it.
 */
export async function watchFrom(clientUrl: string, key: string, revision: number, timeoutMs = 10_000): Promise<WatchAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`${clientUrl}/${await gatewayApi(clientUrl)}/watch`, {
      method: 'POST',
      body: JSON.stringify({ create_request: { key: Buffer.from(key).toString('base64'), start_revision: String(revision) } }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    if (!reader) throw new Error(`watch on ${clientUrl} gave no body`);
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`watch on ${clientUrl} ended without an answer: ${buffered}`);
      const { objects, rest } = takeObjects(buffered + decoder.decode(value, { stream: true }));
      buffered = rest;
      for (const object of objects) {
        const { result = {} } = JSON.parse(object) as WatchMessage;
        const eventRevisions = (result.events ?? []).map((event) => Number(event.kv?.mod_revision));
        // 3.2 reports a compacted start revision without setting canceled; its clients treat it as one.
        if (result.canceled || result.compact_revision || eventRevisions.length > 0) {
          return { canceled: result.canceled ?? false, eventRevisions, ...(result.compact_revision ? { compactRevision: Number(result.compact_revision) } : {}) };
        }
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
