import type { Permission } from './permissions.ts';

/** How the caller proved who they are. */
export type AuthMethod = 'password' | 'oidc' | 'token' | 'local-cli';

/**
 * Who is acting, resolved once per request (or CLI command) and passed to
 * every access check and audit record.
 */
export interface Principal {
  /** users.id for people; api_token.id for integration tokens without a user; 'local-cli' for the machine's operator. */
  actorId: string;
  /** What the audit log shows: the e-mail of a user, the name of an integration. */
  actorName: string;
  kind: 'user' | 'integration' | 'local';
  userId: string | null;
  tokenId: string | null;
  sessionId: string | null;
  method: AuthMethod;
  role: string;
  permissions: ReadonlySet<Permission>;
  /** Care unit ids the actor works in; ignored when the role holds patient:all-units. */
  careUnits: readonly string[];
}

export function can(principal: Principal | undefined, permission: Permission): boolean {
  return principal?.permissions.has(permission) === true;
}

export function orgWide(principal: Principal): boolean {
  return principal.permissions.has('patient:all-units');
}
