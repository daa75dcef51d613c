import type { FastifyInstance } from 'fastify';
import type { FhirStore } from '../store.ts';

export function registerImportRoutes(_app: FastifyInstance, _opts: { store: FhirStore; baseUrl?: string }): void {}
