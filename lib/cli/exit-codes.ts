/** The CLI's exit codes (docs/cli.md): scripts can tell a failed backup from a typo. */
export const EXIT = {
  /** Everything asked for was done and succeeded. */
  ok: 0,
  /** A backup or restore ran and failed, or the report found violations. */
  failed: 1,
  /** Bad usage, a bad config or a bad request: nothing was started. */
  usage: 2,
  /** The stack or the local stand-ins could not be reached. */
  unreachable: 3,
  /** A restore (or its dry run) was refused before anything changed: the target is in the way. */
  refused: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
