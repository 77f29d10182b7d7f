import * as z from 'zod';

/** EventBridge "Object Created" from S3 (the bucket has EventBridge notifications on). */
export const objectCreatedEventSchema = z.object({
  id: z.string(),
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  time: z.iso.datetime(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(3) }),
    object: z.object({
      key: z.string().regex(/\/manifest\.json$/, 'must be an inventory manifest.json'),
      size: z.number().int().min(0).optional(),
    }),
  }),
});

export type ObjectCreatedEvent = z.infer<typeof objectCreatedEventSchema>;
