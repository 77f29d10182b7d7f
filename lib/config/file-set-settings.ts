import * as z from 'zod';
import { absolutePath } from '../parameters/shell-safe';

const pathEntry = z.union([
  absolutePath,
  z.object({ path: absolutePath, required: z.boolean().default(false) }).strict(),
]);

/**
 * Paths archived per host with owners, modes, ACLs, xattrs and SELinux labels. A path that does
 * not exist is reported in the manifest; only a `required` one fails the run.
 */
export const filePathsSchema = z
  .array(pathEntry)
  .min(1)
  .max(64)
  .transform((paths) => paths.map((entry) => (typeof entry === 'string' ? { path: entry, required: false } : entry)))
  .superRefine((paths, ctx) => {
    const seen = new Set<string>();
    paths.forEach(({ path }, index) => {
      if (path === '/') ctx.addIssue({ code: 'custom', path: [index], message: 'the whole root file system is not a file set' });
      if (seen.has(path)) ctx.addIssue({ code: 'custom', path: [index], message: `${path} is listed twice` });
      seen.add(path);
    });
  })
  .describe('absolute paths (files or directories); `{path, required: true}` fails the run when it is missing');

export const fileSetSchema = z
  .object({
    paths: filePathsSchema,
    packageList: z.boolean().default(true).describe('also store the host package list (`dpkg-query -W` or `rpm -qa`)'),
  })
  .strict();

export type FileSet = z.infer<typeof fileSetSchema>;
