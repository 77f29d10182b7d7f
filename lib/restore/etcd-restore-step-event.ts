import { z } from 'zod';
import { etcdRestorePlanSchema } from './etcd-restore-plan';
import { ETCD_WORKFLOW_STEPS } from './etcd-restore-workflow';

/** What the state machine passes to each step: the whole plan and the step to run. */
export const etcdRestoreStepEventSchema = z
  .object({
    plan: etcdRestorePlanSchema,
    step: z.enum([...ETCD_WORKFLOW_STEPS, 'rollback', 'abandon']),
  })
  .strict();

export type EtcdRestoreStepEvent = z.infer<typeof etcdRestoreStepEventSchema>;
