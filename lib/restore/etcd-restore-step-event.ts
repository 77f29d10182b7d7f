import * as z from 'zod';
import { etcdRestorePlanSchema } from './etcd-restore-plan';
import { caughtErrorSchema, ETCD_REPLACE_STEPS, ETCD_WORKFLOW_STEPS } from './etcd-restore-workflow';

const planSchema = { plan: etcdRestorePlanSchema };

/**
 * What the state machine passes to each step: the whole plan and the step to run; a clean-up
 * step (abandon, rollback) also the failure it follows, as the state machine caught it.
 */
export const etcdRestoreStepEventSchema = z.union([
  z.object({ ...planSchema, step: z.enum([...new Set([...ETCD_WORKFLOW_STEPS, ...ETCD_REPLACE_STEPS] as const)]) }).strict(),
  z.object({ ...planSchema, step: z.enum(['abandon', 'rollback']), failure: caughtErrorSchema }).strict(),
]);

export type EtcdRestoreStepEvent = z.infer<typeof etcdRestoreStepEventSchema>;
