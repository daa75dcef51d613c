import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { countTokens } from '../auth/tokens.ts';
import { countUsers, hashSecret } from '../auth/users.ts';
import type { Config } from '../config/config.ts';
import { lastSeq } from '../fhir/changes.ts';
import { buildApp } from '../http/app.ts';
import { subscribePatientSync } from '../patients/sync.ts';
import { SegmentService } from '../segments/service.ts';
import { acquireDataDir, publishServer } from './lock.ts';
import { openRuntime } from './runtime.ts';

/** `outreach serve`: the HTTP server; stops gracefully on SIGINT/SIGTERM after in-flight requests finish. */
export async function serve(config: Config): Promise<void> {
  const logger = pino({ level: config.logLevel });
  const release = config.databaseUrl ? () => undefined : acquireDataDir(config.dataDir, 'outreach serve');
  const runtime = await openRuntime(config);
  const localControlToken = config.databaseUrl
    ? undefined
    : `po_local_${randomBytes(32).toString('base64url')}`;
  // With no user yet, a one-time link lets the first administrator create their account.
  const firstStart = (await countUsers(runtime.db)) === 0 ? randomBytes(24).toString('base64url') : undefined;
  const segments = new SegmentService(runtime.db, runtime.store, runtime.clock, { pollMs: 2000 });
  const app = await buildApp({
    config,
    db: runtime.db,
    clock: runtime.clock,
    store: runtime.store,
    segments,
    logger,
    localControlToken,
    bootstrapHash: firstStart ? hashSecret(firstStart) : undefined,
  });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  if (localControlToken) publishServer(config.dataDir, { pid: process.pid, url, token: localControlToken });
  logger.info({ address, database: runtime.db.dialect }, 'Patient Outreach is listening');

  const tokens = await countTokens(runtime.db);
  const empty = (await lastSeq(runtime.db)) === 0;
  const publicUrl = config.baseUrl ?? url;
  if (firstStart || tokens === 0 || empty) {
    const lines = [
      '',
      `Patient Outreach is running at ${publicUrl} (database: ${runtime.db.dialect === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL'})`,
    ];
    if (firstStart)
      lines.push(
        'No users exist yet. Open this one-time link to create the first administrator:',
        `  ${publicUrl}/setup?first=${firstStart}`,
        'or, in another terminal: npx outreach users create --email you@example.se --role admin',
      );
    if (tokens === 0)
      lines.push(
        'For API access, create a token (in another terminal):',
        '  npx outreach token create --name me --role admin',
      );
    if (empty)
      lines.push(
        'The clinical store is empty. Load a generated Swedish demo population:',
        '  npx outreach demo',
      );
    lines.push(`Then: curl -H "Authorization: Bearer <token>" ${url}/fhir/R4/Patient?_count=5`, '');
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  // Profiles follow the clinical store: Patient and Consent writes are unified
  // as they commit here, and writes from other processes (a CLI import) within 2 s.
  const sync = subscribePatientSync(runtime.store, runtime.clock, {
    pollMs: 2000,
    onBatch: (s) =>
      logger.info(
        { ...s },
        `profiles: ${s.received} patient record(s), ${s.profilesCreated} new profile(s), ${s.merged} merged`,
      ),
  });
  void sync
    .drain()
    .catch((err) => logger.error({ err }, 'profile sync failed; it retries on the next change'));

  // Segments: changed patients move in and out of dynamic segments within seconds; every
  // segment is recomputed in full on its own schedule (time moves windows like "last 12 months").
  let segmentWork: Promise<unknown> = Promise.resolve();
  let segmentBusy = false;
  const segmentTick = (full: boolean) => {
    // A tick while a long refresh runs is skipped, not queued: the next one catches up.
    if (segmentBusy) return;
    segmentBusy = true;
    segmentWork = segmentWork
      .then(async () => {
        const synced = await segments.sync();
        if (synced.patients > 0)
          logger.debug({ patients: synced.patients }, 'segments: memberships updated for changed patients');
        if (!full) return;
        for (const r of await segments.refreshDue())
          if ('error' in r) logger.error(r, `segment ${r.id} could not be refreshed: ${r.error}`);
          else
            logger.info(
              r,
              `segment ${r.id} refreshed: ${r.members} members, ${r.entered} entered, ${r.exited} exited`,
            );
      })
      .catch((err) => logger.error({ err }, 'segment refresh failed; it is retried on the next tick'))
      .finally(() => {
        segmentBusy = false;
      });
  };
  const segmentTimers = [
    setInterval(() => segmentTick(false), 2000),
    setInterval(() => segmentTick(true), 60_000),
  ];
  segmentTick(true);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await sync.stop();
      for (const t of segmentTimers) clearInterval(t);
      await segmentWork;
      await segments.stop();
      await app.close();
      await runtime.close();
    } finally {
      release();
      logger.info('stopped');
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
