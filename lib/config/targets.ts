import * as z from 'zod';

export const INSTANCE_ID_PATTERN = '^(i-([0-9a-f]{8}|[0-9a-f]{17})|mi-[0-9a-f]{17})$';
/** An EC2 (`i-...`) or SSM managed (`mi-...`) instance ID. */
export const instanceId = z.string().regex(new RegExp(INSTANCE_ID_PATTERN), 'must be an EC2 (i-...) or managed (mi-...) instance ID');
const tagKey = z.string().regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, 'must be a valid tag key');
const tagValue = z.string().regex(/^[A-Za-z0-9 _.:/=+@-]{0,256}$/, 'must be a valid tag value');

/** Where a job runs: fixed instance IDs, or every SSM-managed instance carrying all the given tags. */
export const targetsSchema = z
  .object({
    instanceIds: z.array(instanceId).min(1).max(50).optional(),
    // SendCommand takes at most 5 Targets of at most 50 values each (API reference).
    tags: z.record(tagKey, z.array(tagValue).min(1).max(50)).optional(),
  })
  .strict()
  .refine((targets) => (targets.instanceIds === undefined) !== (targets.tags === undefined), {
    message: 'set exactly one of instanceIds or tags',
  })
  .refine((targets) => targets.tags === undefined || Object.keys(targets.tags).length > 0, {
    message: 'tags needs at least one key',
    path: ['tags'],
  })
  .refine((targets) => Object.keys(targets.tags ?? {}).length <= 5, {
    message: 'tags may have at most 5 keys (SendCommand takes at most 5 targets)',
    path: ['tags'],
  });

export type Targets = z.infer<typeof targetsSchema>;
