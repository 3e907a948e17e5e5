/** Jobs: metadata only; their owner references name the CronJob behind a pod. */
import { z } from 'zod';
import type { KindSpec } from '../kind.js';
import { metadataSchema } from '../object.js';

export const jobSchema = z.object({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: metadataSchema.extend({ namespace: z.string().min(1) }),
});

export type Job = z.infer<typeof jobSchema>;

export const jobKind: KindSpec<Job> = {
  kind: 'Job', group: 'batch', version: 'v1', plural: 'jobs', namespaced: true, optional: false, schema: jobSchema,
};
