import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCommands, CLI_RULES } from '../src/cli/cli-access.ts';
import { buildProgram } from '../src/cli/program.ts';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/outreach.js');
let dataDir: string;

async function outreach(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        LOG_LEVEL: 'silent',
        OUTREACH_TOKEN: '',
        ...env,
      },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outreach-cli-access-'));
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('CLI access rules', () => {
  it('every command has a rule, and every rule a command', () => {
    const commands = allCommands(buildProgram()).sort();
    expect(
      commands.filter((c) => !Object.hasOwn(CLI_RULES, c)),
      'commands without a rule in src/cli/cli-access.ts',
    ).toEqual([]);
    expect(
      Object.keys(CLI_RULES).filter((c) => !commands.includes(c)),
      'rules for commands that do not exist',
    ).toEqual([]);
  });

  it('runs as OUTREACH_TOKEN’s role and refuses what the role may not do', async () => {
    const admin = await outreach(
      {},
      'token',
      'create',
      '--name',
      'planner script',
      '--role',
      'event-planner',
    );
    expect(admin.code).toBe(0);
    const plannerToken = admin.stdout.trim().split('\n').pop()!;
    const refused = await outreach({ OUTREACH_TOKEN: plannerToken }, 'token', 'list');
    expect(refused.code).toBe(77);
    expect(refused.stderr).toMatch(
      /'outreach token list' needs the permission token:read, which role 'event-planner'/,
    );
    const users = await outreach(
      { OUTREACH_TOKEN: plannerToken },
      'users',
      'create',
      '--email',
      'x@example.se',
      '--role',
      'admin',
    );
    expect(users.code).toBe(77);
    const allowed = await outreach({ OUTREACH_TOKEN: plannerToken }, 'roles', 'list');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/event-planner\s+Event planner/);
    const bad = await outreach({ OUTREACH_TOKEN: 'po_not-a-token' }, 'token', 'list');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/OUTREACH_TOKEN is unknown/);
  });

  it('the local operator creates users, care units and one-time links', async () => {
    const unit = await outreach(
      {},
      'care-units',
      'create',
      '--id',
      'vc-norr',
      '--name',
      'VC Norr',
      '--ref',
      'Organization/org-a',
    );
    expect(unit.code).toBe(0);
    const created = await outreach(
      {},
      'users',
      'create',
      '--email',
      'Sara@Region.example.se',
      '--role',
      'clinical',
      '--care-unit',
      'vc-norr',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/\/setup\?token=[\w-]{20,}/);
    const list = await outreach({}, 'users', 'list');
    expect(list.stdout).toMatch(/sara@region\.example\.se\s+clinical\s+vc-norr\s+active/);
    const badUnit = await outreach(
      {},
      'users',
      'create',
      '--email',
      'o@example.se',
      '--role',
      'clinical',
      '--care-unit',
      'nowhere',
    );
    expect(badUnit.code).toBe(1);
    expect(badUnit.stderr).toMatch(/careUnits: nowhere unknown/);
  });
});
