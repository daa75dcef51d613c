import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from '../../../test/helpers.ts';
import { ImportJobRunner } from './jobs.ts';
import { importJobs } from './routes.ts';

let srv: TestServer;
let dir: string;
let files: Server;
let filesUrl: string;
/** The held download: the test decides when it completes. */
let held: { arrived: Promise<ServerResponse>; arrive?: (res: ServerResponse) => void } = {
  arrived: Promise.resolve(undefined as never),
};

const patient = (id: string) => JSON.stringify({ resourceType: 'Patient', id, gender: 'male' });
const obs = (id: string, p: string) =>
  JSON.stringify({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { text: 'weight' },
    subject: { reference: `Patient/${p}` },
  });

beforeAll(async () => {
  srv = await testServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'import-http-'));
  files = createServer((req, res) => {
    if (req.url === '/held.ndjson') {
      held.arrive?.(res);
      return;
    }
    if (req.url === '/patients.ndjson') {
      res.setHeader('content-type', 'application/fhir+ndjson');
      res.end(`${patient('web-1')}\n${patient('web-2')}\n`);
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => files?.close(resolve));
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const jobId = (location: string) => location.split('/').at(-1)!;

async function kickOff(body: string | object, contentType: string) {
  const res = await srv.app.inject({
    method: 'POST',
    url: '/fhir/R4/$import',
    headers: { ...srv.auth, 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return res;
}

const parameters = (...urls: string[]) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'inputFormat', valueCode: 'application/fhir+ndjson' },
    ...urls.map((url) => ({
      name: 'input',
      part: [
        { name: 'type', valueCode: 'Patient' },
        { name: 'url', valueUrl: url },
      ],
    })),
  ],
});

const status = (id: string) =>
  srv.app.inject({ method: 'GET', url: `/fhir/R4/$import-status/${id}`, headers: srv.auth });

describe('$import over HTTP', () => {
  it('takes an NDJSON body: 202 with a status URL, then 200 with per-type counts and the bad lines', async () => {
    const body = [
      patient('http-1'),
      '{"resourceType":',
      obs('http-o1', 'http-1'),
      JSON.stringify({ resourceType: 'Patient', id: 'http-bad', gender: 'tall' }),
    ].join('\n');
    const res = await kickOff(body, 'application/fhir+ndjson');
    expect(res.statusCode).toBe(202);
    expect(res.json().resourceType).toBe('OperationOutcome');
    const location = res.headers['content-location'] as string;
    expect(location).toMatch(/\/fhir\/R4\/\$import-status\/[0-9a-f-]{36}$/);

    await importJobs(srv.app).finished(jobId(location));
    const done = await status(jobId(location));
    expect(done.statusCode).toBe(200);
    const result = done.json();
    expect(result.request).toMatch(/\/fhir\/R4\/\$import$/);
    expect(result.output).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Patient', count: 1, read: 2, created: 1, failed: 1 }),
        expect.objectContaining({ type: 'Observation', count: 1, created: 1 }),
      ]),
    );
    expect(result.error).toHaveLength(1);
    expect(result.error[0].count).toBe(2);
    const issues = result.error[0].outcome.issue.map((i: any) => i.diagnostics);
    expect(issues[0]).toMatch(/^request body:2: malformed JSON/);
    expect(issues[1]).toMatch(/^request body:4: Patient\.gender: value 'tall'/);
    expect(result.summary.totals.created).toBe(2);
    expect((await srv.store.read('Observation', 'http-o1')).subject.reference).toBe('Patient/http-1');
    await expect(srv.store.read('Patient', 'http-bad')).rejects.toThrow(/does not exist/);
  });

  it('takes Parameters with file:// and http:// inputs', async () => {
    const file = path.join(dir, 'obs.ndjson');
    writeFileSync(file, `${obs('file-o1', 'web-1')}\n${obs('file-o2', 'web-2')}\n`);
    const res = await kickOff(
      parameters(pathToFileURL(file).href, `${filesUrl}/patients.ndjson`),
      'application/fhir+json',
    );
    expect(res.statusCode).toBe(202);
    const job = await importJobs(srv.app).finished(jobId(res.headers['content-location'] as string));
    expect(job.status).toBe('completed');
    const result = (await status(job.id)).json();
    expect(result.error).toEqual([]);
    expect(Object.fromEntries(result.output.map((o: any) => [o.type, o.created]))).toEqual({
      Observation: 2,
      Patient: 2,
    });
    expect((await srv.store.read('Patient', 'web-2')).gender).toBe('male');
  });

  it('reports progress while running, queues the next job behind it, and cancels a queued job', async () => {
    held = {} as typeof held;
    held.arrived = new Promise((resolve) => {
      held.arrive = resolve;
    });
    const first = await kickOff(parameters(`${filesUrl}/held.ndjson`), 'application/fhir+json');
    const firstId = jobId(first.headers['content-location'] as string);
    const download = await held.arrived;

    const running = await status(firstId);
    expect(running.statusCode).toBe(202);
    expect(running.headers['x-progress']).toBe('0 resources, 0 errors');
    expect(running.json().status).toBe('running');

    const second = await kickOff(parameters(`${filesUrl}/patients.ndjson`), 'application/fhir+json');
    const secondId = jobId(second.headers['content-location'] as string);
    const queued = await status(secondId);
    expect(queued.statusCode).toBe(202);
    expect(queued.headers['x-progress']).toBe('queued, 1 job(s) ahead');
    const cancel = await srv.app.inject({
      method: 'DELETE',
      url: `/fhir/R4/$import-status/${secondId}`,
      headers: srv.auth,
    });
    expect(cancel.statusCode).toBe(202);
    expect((await status(secondId)).statusCode).toBe(404);

    download.end(`${patient('held-1')}\n`);
    const done = await importJobs(srv.app).finished(firstId);
    expect(done.status).toBe('completed');
    expect(done.outcome.output).toEqual([expect.objectContaining({ type: 'Patient', created: 1 })]);
    const again = await srv.app.inject({
      method: 'DELETE',
      url: `/fhir/R4/$import-status/${firstId}`,
      headers: srv.auth,
    });
    expect(again.statusCode).toBe(409);
  });

  it('answers 404 for an unknown job, and 400 naming the element for a Parameters without inputs', async () => {
    expect((await status('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await status('not-a-job')).statusCode).toBe(404);
    const bad = await kickOff(
      { resourceType: 'Parameters', parameter: [{ name: 'inputFormat', valueCode: 'text/csv' }] },
      'application/fhir+json',
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issue[0].diagnostics).toMatch(/inputFormat 'text\/csv' is not supported/);
    const noAuth = await srv.app.inject({ method: 'GET', url: '/fhir/R4/$import-status/x' });
    expect(noAuth.statusCode).toBe(401);
  });

  it('fails a job with a clear reason when its input cannot be fetched', async () => {
    const res = await kickOff(parameters(`${filesUrl}/missing.ndjson`), 'application/fhir+json');
    const job = await importJobs(srv.app).finished(jobId(res.headers['content-location'] as string));
    expect(job.status).toBe('failed');
    const st = await status(job.id);
    expect(st.statusCode).toBe(500);
    expect(st.json().issue[0].diagnostics).toMatch(/missing\.ndjson answered 404/);
  });

  it('marks a job left running by a crash as failed at start-up', async () => {
    const id = '11111111-2222-4333-8444-555555555555';
    await srv.db.query(
      `INSERT INTO fhir_import_job (id, status, created_at, updated_at, request, progress) VALUES ($1, 'running', now(), now(), '{"inputs": [], "temp": []}', '{}')`,
      [id],
    );
    const runner = new ImportJobRunner(srv.store, { workers: 0 });
    await runner.start();
    const job = await runner.get(id);
    await runner.close();
    expect(job?.status).toBe('failed');
    expect(job?.outcome.issue[0].diagnostics).toMatch(/server stopped while this import was running/);
  });
});
