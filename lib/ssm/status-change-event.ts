import * as z from 'zod';

export const TERMINAL_STATUSES = ['Success', 'Failed', 'TimedOut', 'Cancelled', 'DeliveryTimedOut', 'ExecutionTimedOut', 'Undeliverable', 'Terminated'] as const;

/** EventBridge "EC2 Command Invocation Status-change Notification" (source aws.ssm). */
export const statusChangeEventSchema = z.object({
  id: z.string(),
  'detail-type': z.literal('EC2 Command Invocation Status-change Notification'),
  source: z.literal('aws.ssm'),
  time: z.iso.datetime(),
  detail: z.object({
    'command-id': z.string().min(1),
    'document-name': z.string().min(1),
    'instance-id': z.string().min(1),
    'requested-date-time': z.string(),
    status: z.enum(TERMINAL_STATUSES),
  }),
});

export type StatusChangeEvent = z.infer<typeof statusChangeEventSchema>;
