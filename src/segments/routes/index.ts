import type { FastifyInstance } from 'fastify';
import type { SegmentRouteDeps } from './context.ts';
import { registerSegmentCrud } from './crud.ts';
import { registerListRoutes } from './lists.ts';
import { registerMemberRoutes } from './members.ts';
import { registerPreviewRoutes } from './preview.ts';

export type { SegmentRouteDeps } from './context.ts';

/** The segments module's HTTP face: definitions, preview, members and their history, lists. */
export function registerSegmentRoutes(app: FastifyInstance, deps: SegmentRouteDeps): void {
  registerPreviewRoutes(app, deps);
  registerSegmentCrud(app, deps);
  registerMemberRoutes(app, deps);
  registerListRoutes(app, deps);
}
