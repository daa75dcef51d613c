import type { Command } from 'commander';
import { requireCareUnits } from '../auth/care-units.ts';
import { RoleRegistry } from '../auth/roles.ts';
import { createToken, listTokens, revokeToken } from '../auth/tokens.ts';
import { loadConfig } from '../config/config.ts';
import { auditLocally } from './audit-local.ts';
import { callServer, withDatabase } from './local.ts';

export function tokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens (stored only as a hash)');
  token
    .command('create')
    .description('create a bearer token; the token itself is the last line printed')
    .requiredOption('--name <name>', 'who or what will use it')
    .requiredOption('--role <role>', 'a role name (outreach roles list), e.g. admin or integration-admin')
    .option('--user <id>', 'the user the token acts as (default: an integration named --name)')
    .option(
      '--care-unit <id>',
      'care unit of an integration token (repeatable)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--expires <iso>', 'expiry instant, e.g. 2027-01-01T00:00:00Z')
    .action(
      async (o: { name: string; role: string; user?: string; careUnit?: string[]; expires?: string }) => {
        const expiresAt = o.expires ? new Date(o.expires) : undefined;
        if (expiresAt && Number.isNaN(expiresAt.getTime()))
          throw new Error(`--expires ${o.expires} is not a date; use e.g. 2027-01-01T00:00:00Z`);
        const created = await withDatabase(
          loadConfig(),
          'token create',
          async (rt) => {
            const roles = new RoleRegistry(rt.db, rt.clock);
            await requireCareUnits(rt.db, o.careUnit ?? []);
            return createToken(
              rt.db,
              rt.clock,
              { name: o.name, role: o.role, userId: o.user, careUnits: o.careUnit, expiresAt },
              async (r) => (await roles.get(r)) !== undefined,
            );
          },
          async (server) =>
            (
              await callServer(server, 'POST', '/api/tokens', {
                name: o.name,
                role: o.role,
                ...(o.user ? { userId: o.user } : {}),
                ...(o.careUnit ? { careUnits: o.careUnit } : {}),
                ...(o.expires ? { expiresAt: expiresAt!.toISOString() } : {}),
              })
            ).body,
        );
        process.stdout.write(
          `Created token ${created.id} for ${o.name} (role ${o.role}). It is shown only now:\n${created.token}\n`,
        );
      },
    );
  token
    .command('list')
    .description('list tokens (without secrets)')
    .action(async () => {
      const tokens = await withDatabase(
        loadConfig(),
        'token list',
        (rt) => listTokens(rt.db),
        async (s) => (await callServer(s, 'GET', '/api/tokens')).body,
      );
      for (const t of tokens) {
        const state = t.revokedAt
          ? `revoked ${t.revokedAt}`
          : t.expiresAt
            ? `expires ${t.expiresAt}`
            : 'active';
        process.stdout.write(
          `${t.id}  ${t.role.padEnd(18)} ${t.name.padEnd(24)} ${t.userId ? `user ${t.userId}` : 'integration'}  ${state}  last used ${t.lastUsedAt ?? 'never'}\n`,
        );
      }
      if (tokens.length === 0)
        process.stdout.write(
          'no tokens; create one with: npx outreach token create --name NAME --role admin\n',
        );
    });
  token
    .command('revoke <id>')
    .description('revoke a token by id')
    .action(async (id: string) => {
      const ok = await withDatabase(
        loadConfig(),
        'token revoke',
        async (rt) => {
          const ok = await revokeToken(rt.db, rt.clock, id);
          if (ok)
            await auditLocally(rt, {
              action: 'administer',
              outcome: 'success',
              resourceType: 'ApiToken',
              resourceIds: [id],
              detail: 'revoked',
            });
          return ok;
        },
        async (s) => (await callServer(s, 'DELETE', `/api/tokens/${id}`)).status === 204,
      );
      if (!ok) throw new Error(`no active token with id ${id}; see: npx outreach token list`);
      process.stdout.write(`revoked ${id}\n`);
    });
}
