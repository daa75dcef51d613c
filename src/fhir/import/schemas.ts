import { z } from 'zod';

/** An import job as GET /api/imports lists it; the web app's Imports page reads the same type. */
export const ImportJobSummary = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  progress: z.object({
    linesRead: z.number().describe('Resources handled so far (stored, unchanged or rejected)'),
    resourcesWritten: z.number().describe('Resources created or updated (known when the job ends)'),
    errors: z.number(),
    bytes: z.number(),
    totalBytes: z.number(),
  }),
  counts: z.record(z.string(), z.number()).describe('Resources per type, when the job has ended'),
  errors: z
    .array(z.object({ source: z.string(), line: z.number(), message: z.string() }))
    .describe('The first 100 rejected lines'),
  message: z.string().nullable().describe('Why a job failed or was cancelled'),
});
