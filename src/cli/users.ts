import type { Command } from 'commander';
import { createCareUnit, listCareUnits } from '../auth/care-units.ts';
import { RoleRegistry } from '../auth/roles.ts';
import { createUser, issueSetupToken, listUsers, updateUser } from '../auth/users.ts';
import { loadConfig } from '../config/config.ts';
import { auditLocally } from './audit-local.ts';
import { callServer, withDatabase } from './local.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function baseUrl(): string {
  const c = loadConfig();
  return c.baseUrl ?? `http://localhost:${c.port}`;
}

/** `outreach users|roles|care-units …`: the same operations as the administration pages. */
export function userCommands(program: Command): void {
  const users = program.command('users').description('people who sign in to the web app');
  users
    .command('create')
    .description('create a user; without --password a one-time set-up link is printed')
    .requiredOption('--email <email>', 'sign-in e-mail')
    .requiredOption('--role <role>', 'role name (outreach roles list)')
    .option('--name <name>', 'display name', '')
    .option('--care-unit <id>', 'care unit id (repeatable)', collect, [])
    .option('--password <password>', 'initial password (≥ 12 characters); prefer the link')
    .action(
      async (o: { email: string; role: string; name: string; careUnit: string[]; password?: string }) => {
        const input = {
          email: o.email,
          name: o.name,
          role: o.role,
          careUnits: o.careUnit,
          password: o.password,
        };
        const res = await withDatabase(
          loadConfig(),
          'users create',
          async (rt) => {
            const roles = new RoleRegistry(rt.db, rt.clock);
            const created = await createUser(
              rt.db,
              rt.clock,
              input,
              async (r) => (await roles.get(r)) !== undefined,
            );
            return {
              id: created.id,
              setupUrl: created.setupToken ? `${baseUrl()}/setup?token=${created.setupToken}` : undefined,
            };
          },
          async (s) => {
            const body = (await callServer(s, 'POST', '/api/users', input)).body;
            return { id: body.user.id, setupUrl: body.setupUrl };
          },
        );
        process.stdout.write(`Created user ${o.email} (${o.role}), id ${res.id}\n`);
        if (res.setupUrl)
          process.stdout.write(`One-time link to choose a password (valid 24 h):\n${res.setupUrl}\n`);
      },
    );
  users
    .command('list')
    .description('list users')
    .action(async () => {
      const list = await withDatabase(
        loadConfig(),
        'users list',
        (rt) => listUsers(rt.db),
        async (s) => (await callServer(s, 'GET', '/api/users')).body,
      );
      for (const u of list)
        process.stdout.write(
          `${u.id}  ${u.email.padEnd(32)} ${u.role.padEnd(18)} ${(u.careUnits.join(',') || '-').padEnd(16)} ${u.disabled ? 'DISABLED' : 'active'}  last sign-in ${u.lastSignInAt ?? 'never'}\n`,
        );
      if (list.length === 0)
        process.stdout.write('no users; create one with: npx outreach users create --email E --role admin\n');
    });
  users
    .command('update <id>')
    .description('change role, care units, or disable/enable a user')
    .option('--role <role>')
    .option('--care-unit <id>', 'care unit id (repeatable; replaces the list)', collect)
    .option('--disable')
    .option('--enable')
    .action(
      async (id: string, o: { role?: string; careUnit?: string[]; disable?: boolean; enable?: boolean }) => {
        const patch = {
          ...(o.role ? { role: o.role } : {}),
          ...(o.careUnit ? { careUnits: o.careUnit } : {}),
          ...(o.disable ? { disabled: true } : o.enable ? { disabled: false } : {}),
        };
        const u = await withDatabase(
          loadConfig(),
          'users update',
          async (rt) => {
            const roles = new RoleRegistry(rt.db, rt.clock);
            const user = await updateUser(rt.db, id, patch, async (r) => (await roles.get(r)) !== undefined);
            await auditLocally(rt, {
              action: 'administer',
              outcome: 'success',
              resourceType: 'User',
              resourceIds: [id],
              detail: `changed ${Object.keys(patch).join(', ')}`,
            });
            return user;
          },
          async (s) => (await callServer(s, 'PATCH', `/api/users/${id}`, patch)).body,
        );
        process.stdout.write(
          `${u.email}: role ${u.role}, care units ${u.careUnits.join(',') || '-'}, ${u.disabled ? 'disabled' : 'active'}\n`,
        );
      },
    );
  users
    .command('reset <id>')
    .description('print a one-time link to set a new password (24 h)')
    .action(async (id: string) => {
      const url = await withDatabase(
        loadConfig(),
        'users reset',
        async (rt) => {
          const token = await issueSetupToken(rt.db, rt.clock, id, { revoke: true });
          await auditLocally(rt, {
            action: 'administer',
            outcome: 'success',
            resourceType: 'User',
            resourceIds: [id],
            detail: 'password reset link issued',
          });
          return `${baseUrl()}/setup?token=${token}`;
        },
        async (s) => (await callServer(s, 'POST', `/api/users/${id}/reset`)).body.setupUrl,
      );
      process.stdout.write(`${url}\n`);
    });

  const roles = program.command('roles').description('roles and their permissions');
  roles
    .command('list')
    .description('list roles with their permissions')
    .action(async () => {
      const list = await withDatabase(
        loadConfig(),
        'roles list',
        (rt) => new RoleRegistry(rt.db, rt.clock).all(),
        async (s) => (await callServer(s, 'GET', '/api/roles')).body,
      );
      for (const r of list)
        process.stdout.write(
          `${r.name.padEnd(18)} ${r.label.en}${r.builtin ? '' : ' (custom)'}\n    ${r.permissions.join(' ')}\n`,
        );
    });
  roles
    .command('create <name>')
    .description('compose a custom role from permissions')
    .requiredOption('--permission <id>', 'permission id (repeatable)', collect, [])
    .option('--label <en>', 'English label')
    .option('--label-sv <sv>', 'Swedish label')
    .action(async (name: string, o: { permission: string[]; label?: string; labelSv?: string }) => {
      const body = {
        name,
        label: { en: o.label ?? name, sv: o.labelSv ?? o.label ?? name },
        permissions: o.permission,
      };
      await withDatabase(
        loadConfig(),
        'roles create',
        async (rt) => {
          await new RoleRegistry(rt.db, rt.clock).create(body);
          await auditLocally(rt, {
            action: 'administer',
            outcome: 'success',
            resourceType: 'Role',
            resourceIds: [name],
            detail: `created with ${body.permissions.join(' ')}`,
          });
        },
        async (s) => (await callServer(s, 'POST', '/api/roles', body)).body,
      );
      process.stdout.write(`created role ${name}: ${o.permission.join(' ')}\n`);
    });

  const units = program
    .command('care-units')
    .description('care units (vårdenheter) and the organisations and locations they cover');
  units
    .command('create')
    .description('create a care unit')
    .requiredOption('--id <id>', 'id, e.g. an HSA-id')
    .requiredOption('--name <name>', 'name')
    .option('--ref <reference>', 'Organization/<id> or Location/<id> (repeatable)', collect, [])
    .action(async (o: { id: string; name: string; ref: string[] }) => {
      const body = { id: o.id, name: o.name, refs: o.ref };
      await withDatabase(
        loadConfig(),
        'care-units create',
        async (rt) => {
          await createCareUnit(rt.db, body, rt.clock);
          await auditLocally(rt, {
            action: 'administer',
            outcome: 'success',
            resourceType: 'CareUnit',
            resourceIds: [body.id],
            detail: `refs ${body.refs.join(' ')}`,
          });
        },
        async (s) => (await callServer(s, 'POST', '/api/care-units', body)).body,
      );
      process.stdout.write(
        `created care unit ${o.id} (${o.name}) covering ${o.ref.join(', ') || 'nothing yet'}\n`,
      );
    });
  units
    .command('list')
    .description('list care units')
    .action(async () => {
      const list = await withDatabase(
        loadConfig(),
        'care-units list',
        (rt) => listCareUnits(rt.db),
        async (s) => (await callServer(s, 'GET', '/api/care-units')).body,
      );
      for (const u of list)
        process.stdout.write(`${u.id.padEnd(24)} ${u.name.padEnd(32)} ${u.refs.join(' ')}\n`);
      if (list.length === 0)
        process.stdout.write(
          'no care units; create one with: npx outreach care-units create --id ID --name NAME --ref Organization/ID\n',
        );
    });
}
