import * as z from 'zod';

/** One SSM command of a run: its id, the program it ran and the hosts it was sent to (empty: by tags). */
const sentCommandSchema = z.object({
  commandId: z.string().min(1),
  program: z.string().min(1),
  hosts: z.array(z.string()),
});

/**
 * `_cronsnap/commands/<job>/<runId>.json`: the commands a run was sent as, written once they are
 * sent, so `status` can point at each host's output in CloudWatch Logs (whose streams are named
 * by command id) long after SSM has forgotten the command.
 */
export const commandRecordSchema = z.object({
  runId: z.string().min(1),
  sentAt: z.iso.datetime(),
  commands: z.array(sentCommandSchema).min(1),
});

export type CommandRecord = z.infer<typeof commandRecordSchema>;
