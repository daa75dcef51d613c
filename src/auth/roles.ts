import type { Clock } from '../config/clock.ts';
import type { Database } from '../db/database.ts';
import {
  BUILTIN_ROLE_NAMES,
  BUILTIN_ROLES,
  builtinRole,
  isPermission,
  type Permission,
  type RoleDefinition,
} from './permissions.ts';

export class RoleError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Custom roles change rarely and are read on every request: keep them a few seconds. */
const CACHE_MS = 5_000;

export class RoleRegistry {
  private custom: RoleDefinition[] | undefined;
  private loadedAt = 0;
  private readonly db: Database;
  private readonly clock: Clock;

  constructor(db: Database, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async all(): Promise<RoleDefinition[]> {
    const now = this.clock.now().getTime();
    if (!this.custom || now - this.loadedAt > CACHE_MS || now < this.loadedAt) {
      const rows = await this.db.kysely.selectFrom('custom_role').selectAll().orderBy('name').execute();
      this.custom = rows.map((r) => ({
        name: r.name,
        label: { en: r.label_en, sv: r.label_sv },
        permissions: (r.permissions as string[]).filter(isPermission),
        builtin: false,
      }));
      this.loadedAt = now;
    }
    return [...BUILTIN_ROLES, ...this.custom];
  }

  async get(name: string): Promise<RoleDefinition | undefined> {
    return builtinRole(name) ?? (await this.all()).find((r) => r.name === name);
  }

  /** Throws naming the known roles when `name` is not one. */
  async require(name: string, field = 'role'): Promise<RoleDefinition> {
    const role = await this.get(name);
    if (!role) {
      const names = (await this.all()).map((r) => r.name).join(', ');
      throw new RoleError(400, `${field} '${name}' is unknown; use one of: ${names}`);
    }
    return role;
  }

  async create(input: {
    name: string;
    label: { en: string; sv: string };
    permissions: string[];
  }): Promise<RoleDefinition> {
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(input.name))
      throw new RoleError(
        400,
        `name '${input.name}' must be 2–40 lower-case letters, digits or hyphens, starting with a letter`,
      );
    if (BUILTIN_ROLE_NAMES.includes(input.name) || (await this.get(input.name)))
      throw new RoleError(409, `a role named '${input.name}' already exists; choose another name`);
    const unknown = input.permissions.filter((p) => !isPermission(p));
    if (unknown.length)
      throw new RoleError(400, `permissions: ${unknown.join(', ')} unknown; GET /api/permissions lists them`);
    if (input.permissions.length === 0)
      throw new RoleError(400, 'permissions must name at least one permission');
    const permissions = [...new Set(input.permissions)] as Permission[];
    await this.db.kysely
      .insertInto('custom_role')
      .values({
        name: input.name,
        label_en: input.label.en,
        label_sv: input.label.sv,
        permissions,
        created_at: this.clock.now(),
      })
      .execute();
    this.custom = undefined;
    return { name: input.name, label: input.label, permissions, builtin: false };
  }

  async delete(name: string): Promise<void> {
    if (builtinRole(name)) throw new RoleError(400, `'${name}' is a built-in role and cannot be deleted`);
    const inUse = await this.db.kysely
      .selectFrom('app_user')
      .select('email')
      .where('role', '=', name)
      .union(
        this.db.kysely
          .selectFrom('api_token')
          .select('name as email')
          .where('role', '=', name)
          .where('revoked_at', 'is', null),
      )
      .limit(3)
      .execute();
    if (inUse.length)
      throw new RoleError(
        409,
        `role '${name}' is still held by ${inUse.map((u) => u.email).join(', ')}; give them another role first`,
      );
    const res = await this.db.kysely.deleteFrom('custom_role').where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new RoleError(404, `no custom role named '${name}'`);
    this.custom = undefined;
  }
}

/** Every role name, built-in first, for error messages. */
export async function roleNames(db: Database): Promise<string[]> {
  const custom = await db.kysely.selectFrom('custom_role').select('name').orderBy('name').execute();
  return [...BUILTIN_ROLE_NAMES, ...custom.map((r) => r.name)];
}

/** A built-in role, or a custom one in the database (for callers without a RoleRegistry). */
export async function roleKnown(db: Database, name: string): Promise<boolean> {
  if (builtinRole(name)) return true;
  return (
    (await db.kysely.selectFrom('custom_role').select('name').where('name', '=', name).executeTakeFirst()) !==
    undefined
  );
}
