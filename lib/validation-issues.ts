import type { z } from 'zod';

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
