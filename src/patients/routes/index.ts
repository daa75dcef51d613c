import type { FastifyInstance } from 'fastify';
import { registerConsentRoutes } from './consent.ts';
import type { PatientRouteDeps } from './context.ts';
import { registerPrivacyRoutes } from './privacy.ts';
import { registerProfileRoutes } from './profiles.ts';
import { registerSourceRoutes } from './sources.ts';

export type { PatientRouteDeps } from './context.ts';

/** The patients module's HTTP face: profiles and patient 360, consent, sources and GDPR rights. */
export function registerPatientRoutes(app: FastifyInstance, deps: PatientRouteDeps): void {
  registerProfileRoutes(app, deps);
  registerConsentRoutes(app, deps);
  registerPrivacyRoutes(app, deps);
  registerSourceRoutes(app, deps);
}
