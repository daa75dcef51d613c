import type { FastifyError, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../auth/audit/hooks.ts';
import { errorHandler, ProblemError } from '../../http/errors.ts';
import { splitOverride } from '../csv/fields.ts';
import { ImportRefused, importContacts } from '../import-contacts.ts';
import { ImportQuery, ImportResultSchema, NewSourceBody, SourcePatch, SourceSchema } from '../schemas.ts';
import {
  consentPolicy,
  describePolicyChange,
  describeRulesChange,
  matchRules,
  setConsentPolicy,
  setMatchRules,
} from '../settings.ts';
import { checkSourceName, ensureSource, listSources, updateSource } from '../sources.ts';
import { actorOf, type PatientRouteDeps } from './context.ts';

const MANAGE = { access: { permission: 'source:manage' as const } };
const TAGS = ['sources'];
/** A contact list of a few hundred thousand rows fits; a bigger one belongs in the CLI. */
export const CONTACT_CSV_LIMIT = 64 * 1024 * 1024;

export function parseMap(map: string | string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of typeof map === 'string' ? [map] : (map ?? [])) {
    const pair = splitOverride(m);
    if (!pair)
      throw new ProblemError(400, 'Bad Request', `map: '${m}' must be "Column=field", e.g. "Mobilnr=mobile"`);
    out[pair[0]] = pair[1];
  }
  return out;
}

export function registerSourceRoutes(app: FastifyInstance, deps: PatientRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, clock } = deps;
  // No bodyLimit here: each route's own limit applies (64 MiB only on the contact-list import).
  app.addContentTypeParser(
    ['text/csv', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  r.get(
    '/api/sources',
    {
      schema: {
        summary: 'Registered person sources and their record counts',
        tags: TAGS,
        response: { 200: z.object({ sources: z.array(SourceSchema) }) },
      },
      config: MANAGE,
    },
    async () => {
      const counts = new Map(
        (
          await db.query<{ source: string; n: number }>(
            'SELECT source, count(*)::int AS n FROM patient_record WHERE NOT deleted GROUP BY source',
          )
        ).map((x) => [x.source, Number(x.n)]),
      );
      return { sources: (await listSources(db)).map((s) => ({ ...s, records: counts.get(s.name) ?? 0 })) };
    },
  );

  r.post(
    '/api/sources',
    {
      schema: {
        summary: 'Register a source (FHIR store, CSV, form, manual)',
        tags: TAGS,
        body: NewSourceBody,
        response: { 201: SourceSchema },
      },
      config: MANAGE,
    },
    async (req, reply) => {
      try {
        return reply.status(201).send(await ensureSource(db, req.body, clock.now()));
      } catch (err) {
        if (err instanceof RangeError)
          throw new ProblemError(422, 'Unprocessable Content', `name: ${err.message}`);
        throw err;
      }
    },
  );

  r.patch(
    '/api/sources/:name',
    {
      schema: {
        summary: 'Change a source’s label or survivorship priority (higher wins)',
        tags: TAGS,
        params: z.object({ name: z.string() }),
        body: SourcePatch,
        response: { 200: SourceSchema },
      },
      config: MANAGE,
    },
    async (req) => {
      const s = await updateSource(db, req.params.name, req.body);
      if (!s)
        throw new ProblemError(
          404,
          'Not Found',
          `source '${req.params.name}' is not registered; see GET /api/sources`,
        );
      return s;
    },
  );

  r.post(
    '/api/sources/:name/contacts',
    {
      schema: {
        summary:
          'Import a contact list (CSV: UTF-8 or Windows-1252, comma or semicolon, Swedish or English headers); dryRun=true previews',
        tags: TAGS,
        params: z.object({ name: z.string() }),
        querystring: ImportQuery,
        response: { 200: ImportResultSchema },
      },
      bodyLimit: CONTACT_CSV_LIMIT,
      // The app-wide message names BODY_LIMIT_BYTES and $import, neither of which applies to a contact list.
      errorHandler: (err, req, reply) =>
        errorHandler(CONTACT_CSV_LIMIT)(
          (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? new ProblemError(
                413,
                'Content Too Large',
                `the contact list is larger than the ${CONTACT_CSV_LIMIT / 2 ** 20} MiB an upload may be; split the file, or import it with "outreach import-contacts <file> --source ${req.params.name}"`,
              )
            : err,
          req,
          reply,
        ),
      config: MANAGE,
    },
    async (req) => {
      const badName = checkSourceName(req.params.name);
      if (badName) throw new ProblemError(422, 'Unprocessable Content', `name: ${badName}`);
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw new ProblemError(
          415,
          'Unsupported Media Type',
          'send the CSV file as the request body with Content-Type text/csv',
        );
      let result: Awaited<ReturnType<typeof importContacts>>;
      try {
        result = await importContacts(db, body, {
          source: req.params.name,
          overrides: parseMap(req.query.map),
          actor: actorOf(req),
          now: clock.now(),
          dryRun: req.query.dryRun,
        });
      } catch (err) {
        if (err instanceof ImportRefused || err instanceof RangeError)
          throw new ProblemError(422, 'Unprocessable Content', err.message);
        throw err;
      }
      if (!req.query.dryRun)
        audit(req, {
          action: 'create',
          outcome: 'success',
          resourceType: 'SourceRecord',
          detail: `contact list into ${req.params.name}: ${result.accepted} accepted, ${result.rejected} rejected`,
        });
      // The preview shows names and numbers: that is an access to patient data too.
      else
        audit(req, {
          action: 'read',
          outcome: 'success',
          resourceType: 'SourceRecord',
          detail: `contact list preview for ${req.params.name} (${result.preview.length} rows shown)`,
        });
      return { ...result, errors: result.errors.slice(0, 1000) };
    },
  );

  r.get(
    '/api/settings/match-rules',
    {
      schema: {
        summary: 'Unification match rules, in order',
        tags: TAGS,
        response: { 200: z.object({ rules: z.array(z.any()) }) },
      },
      config: MANAGE,
    },
    async () => ({ rules: await matchRules(db) }),
  );
  r.put(
    '/api/settings/match-rules',
    {
      schema: {
        summary: 'Replace the match rules (applies to records unified from now on)',
        tags: TAGS,
        body: z.object({ rules: z.array(z.any()) }),
        response: { 200: z.object({ rules: z.array(z.any()) }) },
      },
      config: MANAGE,
    },
    async (req) => {
      // A stored value that no longer validates must not stop the administrator replacing it.
      const before = await matchRules(db).catch(() => null);
      let rules: Awaited<ReturnType<typeof setMatchRules>>;
      try {
        rules = await setMatchRules(db, req.body.rules, actorOf(req), clock.now());
      } catch (err) {
        throw new ProblemError(422, 'Unprocessable Content', (err as Error).message);
      }
      // Rules decide which records become one person: a change is an administrative act on record.
      audit(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'PatientSetting',
        resourceIds: ['match-rules'],
        detail: describeRulesChange(before, rules),
      });
      return { rules };
    },
  );
  r.get(
    '/api/settings/consent-policy',
    {
      schema: {
        summary: 'Consent enforcement per purpose and channel, and the topics',
        tags: ['consent'],
        response: { 200: z.any() },
      },
      config: { access: { signedIn: true } },
    },
    async () => consentPolicy(db),
  );
  r.put(
    '/api/settings/consent-policy',
    {
      schema: {
        summary: 'Replace the consent policy (defaults follow Swedish and EU law)',
        tags: ['consent'],
        body: z.any(),
        response: { 200: z.any() },
      },
      config: { access: { permission: 'privacy:manage' as const } },
    },
    async (req) => {
      const before = await consentPolicy(db).catch(() => null);
      let policy: Awaited<ReturnType<typeof setConsentPolicy>>;
      try {
        policy = await setConsentPolicy(db, req.body, actorOf(req), clock.now());
      } catch (err) {
        throw new ProblemError(422, 'Unprocessable Content', (err as Error).message);
      }
      audit(req, {
        action: 'administer',
        outcome: 'success',
        resourceType: 'PatientSetting',
        resourceIds: ['consent-policy'],
        detail: describePolicyChange(before, policy),
      });
      return policy;
    },
  );
}
