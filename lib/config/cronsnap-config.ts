import * as z from 'zod';
import { JOB_FOLDERS, RESERVED_ROOTS } from '../catalog/object-layout';
import { jobSchema } from './job-config';
import { storageSettingsSchema } from './storage-settings';

/** The whole config file. */
export const cronsnapConfigSchema = z
  .object({
    version: z.literal(1),
    notifications: z
      .object({ emails: z.array(z.email()).default([]) })
      .strict()
      .default({ emails: [] })
      .describe('who is subscribed to the failure topic'),
    storage: storageSettingsSchema.prefault({}),
    jobs: z.array(jobSchema).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.jobs.forEach((job, index) => {
      const first = seen.get(job.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['jobs', index, 'name'], message: `duplicates jobs[${first}].name '${job.name}'` });
      }
      seen.set(job.name, index);
      if (RESERVED_ROOTS.includes(job.name)) {
        ctx.addIssue({ code: 'custom', path: ['jobs', index, 'name'], message: `'${job.name}' is a folder cronsnap keeps in the bucket; choose another name` });
      }
      if (JOB_FOLDERS.includes(job.name)) {
        ctx.addIssue({ code: 'custom', path: ['jobs', index, 'name'], message: `'${job.name}' is a folder cronsnap keeps inside every job; choose another name` });
      }
    });
  });

export type CronsnapConfig = z.infer<typeof cronsnapConfigSchema>;
/** What an operator writes: defaults may be left out. */
export type CronsnapConfigInput = z.input<typeof cronsnapConfigSchema>;
