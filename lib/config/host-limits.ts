import * as z from 'zod';

/**
 * What a backup may take from the host it runs on, beside the database it reads: CPU and I/O
 * priority for everything the host program starts, and the upload's bandwidth.
 */
export const resourcesSchema = z
  .object({
    nice: z.number().int().min(0).max(19).optional().describe('CPU niceness of the host program and everything it starts (renice; 19 the lowest priority)'),
    ioClass: z.enum(['idle', 'best-effort']).optional().describe('I/O scheduling class (ionice): idle gets the disk only when nothing else asks for it'),
    ioPriority: z.number().int().min(0).max(7).optional().describe('best-effort I/O priority, 0 (highest) to 7 (lowest)'),
    maxUploadMBps: z.number().int().min(1).max(100000).optional().describe("the upload's bandwidth limit in MB/s (the aws CLI's s3 max_bandwidth)"),
  })
  .strict()
  .refine((resources) => resources.ioPriority === undefined || resources.ioClass === 'best-effort', {
    message: 'ioPriority applies to ioClass best-effort; idle has no levels',
    path: ['ioPriority'],
  });

export type Resources = z.infer<typeof resourcesSchema>;

/** Fields every job has for the host it runs on. */
export const hostLimitFields = {
  maxPayloadGiB: z
    .number()
    .positive()
    .max(5120)
    .optional()
    .describe("an upper bound of one uploaded payload, for the aws CLI's part size (--expected-size); estimated from the data on every run when omitted"),
  resources: resourcesSchema.optional().describe('CPU, I/O and bandwidth limits of the backup on its host'),
};

const GIB = 1024 ** 3;

/** The document parameters of a job's host limits (backup-upload.sh reads them). */
export function hostLimitValues(job: { maxPayloadGiB?: number | undefined; resources?: Resources | undefined }): Record<string, string> {
  const { resources } = job;
  return {
    maxPayloadBytes: job.maxPayloadGiB === undefined ? '' : String(Math.ceil(job.maxPayloadGiB * GIB)),
    nice: resources?.nice === undefined ? '' : String(resources.nice),
    ioClass: resources?.ioClass ?? '',
    ioPriority: resources?.ioPriority === undefined ? '' : String(resources.ioPriority),
    maxUploadMBps: resources?.maxUploadMBps === undefined ? '' : String(resources.maxUploadMBps),
  };
}
