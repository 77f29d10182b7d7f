import { compactUtc } from '../catalog/run-id';
import * as z from 'zod';
import type { FilesManifest } from '../catalog/manifest';
import { absolutePath } from '../parameters/shell-safe';
import { InvalidEventError, RestoreError } from '../errors';
import { planHostCommand, type PlannedCommand } from '../host-workflow/run-host-program';
import { reportLines } from '../ssm/report-lines';
import { formatIssues } from '../validation-issues';
import { filesRestoreProgram } from './restore-programs';

/** What an operator asks of a file-set restore. A real run needs `confirm` equal to the job name. */
export const fileSetRestoreRequestSchema = z
  .object({
    dryRun: z.boolean().default(true),
    confirm: z.string().optional(),
    restoreRoot: absolutePath.default('/').describe('/ puts files back where they were; another dir restores beside them'),
    host: z.string().optional().describe('run on this host instead of the one that took the backup'),
  })
  .strict();

export type FileSetRestoreRequest = z.input<typeof fileSetRestoreRequestSchema>;

const changeSchema = z.object({
  change: z.enum(['missing', 'changed', 'added']),
  path: z.string(),
  what: z.array(z.enum(['type', 'content', 'target', 'mode', 'owner', 'xattrs'])),
});
const savedSchema = z.object({ path: z.string(), savedAs: z.string() });
const restoredSchema = z.object({ path: z.string() });
const summarySchema = z.object({
  mode: z.enum(['dry-run', 'apply']),
  missing: z.number().int(),
  changed: z.number().int(),
  added: z.number().int(),
  unchanged: z.number().int(),
  restored: z.number().int(),
});

export type FileChange = z.infer<typeof changeSchema>;

export interface FileSetRestoreReport {
  readonly host: string;
  readonly commandId: string;
  readonly changes: FileChange[];
  readonly saved: z.infer<typeof savedSchema>[];
  readonly restored: string[];
  readonly summary: z.infer<typeof summarySchema>;
  /** Changes left out of `changes` to fit a workflow's output; `fullReport` is the host's report object, which has them all. */
  readonly changesOmitted?: number;
  readonly fullReport?: string;
}


/** The host's report lines, each checked. */
export function parseRestoreReport(report: string): Omit<FileSetRestoreReport, 'host' | 'commandId'> {
  const changes: FileChange[] = [];
  const saved: z.infer<typeof savedSchema>[] = [];
  const restored: string[] = [];
  let summary: z.infer<typeof summarySchema> | undefined;
  for (const { kind, value } of reportLines(report)) {
    if (kind === 'change') changes.push(changeSchema.parse(value));
    else if (kind === 'saved') saved.push(savedSchema.parse(value));
    else if (kind === 'restored') restored.push(restoredSchema.parse(value).path);
    else if (kind === 'summary') summary = summarySchema.parse(value);
  }
  if (!summary) throw new RestoreError('the host reported no summary (output truncated or the script stopped early)');
  return { changes, saved, restored, summary };
}

/** Where a file-set restore runs: the bucket, the stamp of its saved copies and the host's scratch dir. */
export interface FileSetRestoreTarget {
  readonly bucket: string;
  readonly now: () => Date;
  /** Scratch dir on the host for the archive and its staging copy. */
  readonly workDir: string;
}

/**
 * The restore program for one host's file set, checked: the host verifies the archive's sha256
 * before anything else; a dry run (the default) only reports what would change.
 */
export function planFileSetRestore(manifest: FilesManifest, input: FileSetRestoreRequest, target: FileSetRestoreTarget, timeoutSeconds: number): PlannedCommand {
  const parsed = fileSetRestoreRequestSchema.safeParse(input);
  if (!parsed.success) throw new InvalidEventError(formatIssues(parsed.error, 'request'));
  const request = parsed.data;
  if (!request.dryRun && request.confirm !== manifest.job) {
    throw new InvalidEventError(`request.confirm: a real restore needs confirm equal to the job name '${manifest.job}'; nothing was changed`);
  }
  const paths = manifest.files.paths.filter(({ present }) => present).map(({ path }) => path);
  if (paths.length === 0) throw new RestoreError(`${manifest.job} run ${manifest.runId} on ${manifest.host} archived none of its paths`);
  const host = request.host ?? manifest.host;
  const parameters = {
    job: manifest.job,
    bucket: target.bucket,
    payloadKey: manifest.payload.key,
    payloadSha256: manifest.payload.sha256,
    payloadSize: String(manifest.payload.size),
    rawSize: String(manifest.payload.rawSize),
    paths: paths.join(','),
    setName: manifest.files.setName,
    restoreRoot: request.restoreRoot,
    mode: request.dryRun ? 'dry-run' : 'apply',
    stamp: compactUtc(target.now()),
    workDir: target.workDir,
  };
  return planHostCommand(
    filesRestoreProgram,
    host,
    parameters,
    {
      comment: `cronsnap restore ${manifest.job} ${manifest.runId} ${request.dryRun ? 'dry run' : 'apply'}`,
      failure: `restore of ${manifest.job} run ${manifest.runId} on ${host} failed`,
    },
    timeoutSeconds,
  );
}
