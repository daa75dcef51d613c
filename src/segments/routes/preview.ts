import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { patientScope } from '../../auth/access.ts';
import { audit } from '../../auth/audit/hooks.ts';
import { can } from '../../auth/principal.ts';
import { CODE_SYSTEMS, codeSystem } from '../codes.ts';
import { CLINICAL_TYPES } from '../definition.ts';
import { checkDefinition, compileStored, evaluateFunnel, runSegmentQuery } from '../evaluate.ts';
import {
  CodeInUse,
  CodeSearchQuery,
  CodeSystemSchema,
  DefinitionSchema,
  PreviewBody,
  PreviewSchema,
  ValidationSchema,
} from '../schemas.ts';
import { visibilitySql } from '../scope.ts';
import { DefinitionError } from '../validate.ts';
import { explainSample } from '../why.ts';
import { asOfOf, labels, problem, type SegmentRouteDeps } from './context.ts';

const READ = { access: { permission: 'segment:read' as const } };
const TAGS = ['segments'];

export function registerPreviewRoutes(app: FastifyInstance, deps: SegmentRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock, segments } = deps;

  r.post(
    '/api/segments/preview',
    {
      schema: {
        summary: 'Count, per-rule funnel and a member sample with why each matched, while editing',
        description:
          'Evaluates an unsaved definition at asOf (default now). Roles limited to care units count and see only their units’ patients; clinical evidence (values, dates) is shown to roles with clinical:read.',
        tags: TAGS,
        body: PreviewBody,
        response: { 200: PreviewSchema },
      },
      config: READ,
    },
    async (req) => {
      const asOf = asOfOf(req.body.asOf, clock);
      const def = req.body.definition;
      try {
        const ctx = await segments.context();
        checkDefinition(def, ctx);
        await segments.sync();
        // A care-unit role counts only its units' patients: counts of others would tell about them too.
        const scope = await patientScope(db, clock, req.principal!);
        const compiled = await compileStored(
          db,
          def,
          asOf,
          ctx,
          undefined,
          visibilitySql('p.patient_id', scope),
        );
        const result = await evaluateFunnel(db, compiled);
        const want = req.body.sample;
        let sample: z.infer<typeof PreviewSchema>['sample'] = [];
        if (want > 0 && result.count > 0) {
          const candidates = (
            await runSegmentQuery<{ patient_id: string }>(db, `${compiled.membersSql} LIMIT ${want * 4}`)
          ).map((x) => x.patient_id);
          const chosen = candidates.slice(0, want);
          const names = await labels(db, chosen);
          const why = await explainSample(deps, def, chosen, asOf, ctx, {
            evidence: can(req.principal, 'clinical:read'),
          });
          sample = chosen.map((id) => ({
            patientId: id,
            profileId: names.get(id)?.profileId ?? null,
            name: names.get(id)?.name ?? null,
            birthDate: names.get(id)?.birthDate ?? null,
            why: why.get(id) ?? [],
          }));
          audit(req, {
            action: 'search',
            outcome: 'success',
            resourceType: 'Segment',
            patientIds: chosen,
            detail: 'segment preview sample',
          });
        }
        return { asOf: new Date(asOf).toISOString(), ...result, sample, scoped: !scope.all };
      } catch (err) {
        problem(err);
      }
    },
  );

  r.post(
    '/api/segments/validate',
    {
      schema: {
        summary: 'Check a definition without evaluating it: every problem with the node it is at and the fix',
        tags: TAGS,
        body: z.object({ definition: DefinitionSchema, segmentId: z.uuid().optional() }),
        response: { 200: ValidationSchema },
      },
      config: READ,
    },
    async (req) => {
      try {
        checkDefinition(req.body.definition, await segments.context(), req.body.segmentId);
        return { valid: true, problems: [] };
      } catch (err) {
        if (err instanceof DefinitionError) return { valid: false, problems: err.problems };
        throw err;
      }
    },
  );

  r.get(
    '/api/segments/code-systems',
    {
      schema: {
        summary: 'The code systems a definition may name, and whether codes nest by prefix',
        tags: TAGS,
        response: { 200: z.object({ systems: z.array(CodeSystemSchema) }) },
      },
      config: READ,
    },
    async () => ({
      systems: CODE_SYSTEMS.map(({ alias, uri, label, prefixHierarchy }) => ({
        alias,
        uri,
        label,
        prefixHierarchy,
      })),
    }),
  );

  r.get(
    '/api/segments/codes',
    {
      schema: {
        summary: 'Search the codes in use in the clinical data, by code or display text (for code pickers)',
        tags: TAGS,
        querystring: CodeSearchQuery,
        response: { 200: z.object({ codes: z.array(CodeInUse) }) },
      },
      config: READ,
    },
    async (req) => {
      const { q, limit } = req.query;
      const resource =
        req.query.resource && (CLINICAL_TYPES as readonly string[]).includes(req.query.resource)
          ? req.query.resource
          : null;
      const system = req.query.system ? (codeSystem(req.query.system)?.uri ?? req.query.system) : null;
      await segments.sync();
      const rows = await db.query<{
        resource_type: string;
        system: string;
        code: string;
        display: string | null;
      }>(
        `SELECT resource_type, system, code, display FROM segment_code
         WHERE ($1::text IS NULL OR resource_type = $1) AND ($2::text IS NULL OR system = $2)
           AND ($3 = '' OR code ILIKE $3 || '%' OR display ILIKE '%' || $3 || '%')
         ORDER BY (code ILIKE $3 || '%') DESC, display NULLS LAST, code LIMIT $4`,
        [resource, system, q.replace(/[\\%_]/g, (c) => `\\${c}`), limit],
      );
      return {
        codes: rows.map((x) => ({
          resourceType: x.resource_type,
          system: x.system,
          systemLabel: codeSystem(x.system)?.label ?? x.system,
          code: x.code,
          display: x.display,
        })),
      };
    },
  );
}
