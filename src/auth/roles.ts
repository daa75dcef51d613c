/**
 * Roles known to the product. This foundation enforces "authenticated with a
 * valid token"; the permission table (resource × action per role) that the
 * access-control issue adds hangs off these names.
 */
export const ROLES = ['admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(r: string): r is Role {
  return (ROLES as readonly string[]).includes(r);
}
