import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/outreach.js');

/** Runs `outreach ...` as a user would, against the embedded database in dataDir. */
async function outreach(
  dataDir: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Starts `outreach serve` and resolves with its URL once it says it is running. */
function startServer(dataDir: string): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve({ proc, url: m[1], output: () => out });
    });
    proc.stderr!.on('data', (d) => {
      out += d;
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

function stopped(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}

// These commands always use the embedded database (DATABASE_URL is cleared for them), whichever
// database the rest of the suite runs on: the single-process rule is PGlite's.
describe('outreach CLI on the embedded database', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outreach-cli-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates a token offline; the token is the last line and opens the API', async () => {
    const created = await outreach(dataDir, 'token', 'create', '--name', 'ci', '--role', 'admin');
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split('\n').pop()!;
    expect(token).toMatch(/^po_[A-Za-z0-9_-]{40,}$/);
    const listed = await outreach(dataDir, 'token', 'list');
    expect(listed.stdout).toContain('ci');
    expect(listed.stdout).not.toContain(token);

    const bad = await outreach(dataDir, 'token', 'create', '--name', 'x', '--role', 'wizard');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/role 'wizard' is unknown; use one of: admin/);
  });

  it('while the server runs, commands go through it and a second server is refused', async () => {
    const server = await startServer(dataDir);
    try {
      const health = await fetch(`${server.url}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok', database: 'pglite' });

      const created = await outreach(
        dataDir,
        'token',
        'create',
        '--name',
        'while-running',
        '--role',
        'admin',
      );
      expect(created.code).toBe(0);
      const token = created.stdout.trim().split('\n').pop()!;
      const res = await fetch(`${server.url}/fhir/R4/Patient?_summary=count`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      expect((await fetch(`${server.url}/fhir/R4/Patient`)).status).toBe(401);

      const second = await outreach(dataDir, 'serve');
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by process \d+ \(outreach serve\)/);
    } finally {
      server.proc.kill('SIGTERM');
      expect(await stopped(server.proc)).toBe(0);
    }
    // After a clean stop the lock is gone and offline commands work again.
    expect((await outreach(dataDir, 'token', 'list')).code).toBe(0);
  });
});
