import type * as z from 'zod';
import { ManifestError } from './errors';

/** Renders a zod path the way operators write it: `jobs[1].etcd.endpoints[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/** One line per issue, each starting with the field it is about. */
export function formatIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((issue) => {
      const path = formatPath(issue.path);
      const where = [root, path].filter(Boolean).join(path.startsWith('[') ? '' : '.');
      return `${where || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Parses `text` as JSON and validates it with `schema`; a failure of either becomes a
 * ManifestError naming `key` and, for a schema failure, every bad field under `what`.
 */
export function parseJsonManifest<T extends z.ZodType>(text: string, key: string, schema: T, what: string): z.infer<T> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new ManifestError(`${key} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const result = schema.safeParse(document);
  if (!result.success) throw new ManifestError(`${key} is ${what}:\n${formatIssues(result.error, 'manifest')}`, { cause: result.error });
  return result.data;
}
