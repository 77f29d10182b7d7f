import * as z from 'zod';
import { etcdRestorePlanSchema } from './etcd-restore-plan';
import { caughtErrorSchema, ETCD_REPLACE_STEPS, ETCD_WORKFLOW_STEPS, etcdStepProgressSchema } from './etcd-restore-workflow';

// Absent when an operator invokes a step by hand (the sample events): a step not begun.
const common = { plan: etcdRestorePlanSchema, progress: etcdStepProgressSchema.default({}) };

/**
 * What the state machine passes to each invocation of a step: the whole plan, the step, and where
 * the step is (empty at first); a clean-up step (abandon, rollback) also the failure it follows,
 * as the state machine caught it.
 */
export const etcdRestoreStepEventSchema = z.union([
  z.object({ ...common, step: z.enum([...new Set([...ETCD_WORKFLOW_STEPS, ...ETCD_REPLACE_STEPS] as const)]) }).strict(),
  z.object({ ...common, step: z.enum(['abandon', 'rollback']), failure: caughtErrorSchema }).strict(),
]);

export type EtcdRestoreStepEvent = z.infer<typeof etcdRestoreStepEventSchema>;
