import * as z from 'zod';
import { etcdRestorePlanSchema } from './etcd-restore-plan';
import { ETCD_REPLACE_STEPS, ETCD_WORKFLOW_STEPS } from './etcd-restore-workflow';

/** What the state machine passes to each step: the whole plan and the step to run. */
export const etcdRestoreStepEventSchema = z
  .object({
    plan: etcdRestorePlanSchema,
    step: z.enum([...new Set([...ETCD_WORKFLOW_STEPS, ...ETCD_REPLACE_STEPS, 'rollback', 'abandon'] as const)]),
  })
  .strict();

export type EtcdRestoreStepEvent = z.infer<typeof etcdRestoreStepEventSchema>;
