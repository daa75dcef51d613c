import { z } from 'zod';
import { PERMISSION_IDS } from './permissions.ts';

/** One schema set for the API, the OpenAPI document and the web app's forms. */
export const PermissionId = z.enum(PERMISSION_IDS as [string, ...string[]]);
export const Label = z.object({ en: z.string().min(1).max(80), sv: z.string().min(1).max(80) });

export const MeSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  roleLabel: Label,
  permissions: z.array(z.string()),
  careUnits: z.array(z.object({ id: z.string(), name: z.string() })),
  orgWide: z.boolean(),
  method: z.enum(['password', 'oidc', 'token']),
  csrfToken: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  careUnits: z.array(z.string()),
  disabled: z.boolean(),
  method: z.enum(['password', 'oidc']),
  lastSignInAt: z.string().nullable(),
  createdAt: z.string(),
});

export const CreateUserBody = z.object({
  email: z.string().email().max(320).describe('Sign-in e-mail; stored lower-case'),
  name: z.string().max(200).default(''),
  role: z.string().min(1).describe('A role name from GET /api/roles'),
  careUnits: z.array(z.string()).max(200).default([]).describe('Care unit ids from GET /api/care-units'),
  password: z
    .string()
    .max(1024)
    .optional()
    .describe('Leave out to get a one-time set-up link the user opens to choose a password'),
});

export const PatchUserBody = z.object({
  name: z.string().max(200).optional(),
  role: z.string().min(1).optional(),
  careUnits: z.array(z.string()).max(200).optional(),
  disabled: z.boolean().optional(),
});

export const RoleSchema = z.object({
  name: z.string(),
  label: Label,
  permissions: z.array(z.string()),
  builtin: z.boolean(),
});

export const CreateRoleBody = z.object({
  name: z.string().min(2).max(40),
  label: Label,
  permissions: z.array(z.string()).min(1).max(100),
});

export const CareUnitSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  refs: z
    .array(z.string())
    .max(500)
    .default([])
    .describe('FHIR references: Organization/<id> or Location/<id>'),
});

export const TokenInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  userId: z.string().nullable(),
  careUnits: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const CreateTokenBody = z.object({
  name: z.string().min(1).max(200).describe('Who or what uses the token'),
  role: z.string().min(1).describe('A role name from GET /api/roles'),
  userId: z.string().uuid().optional().describe('The user the token acts as; leave out for an integration'),
  careUnits: z
    .array(z.string())
    .max(200)
    .optional()
    .describe('For integration tokens without patient:all-units'),
  expiresAt: z
    .string()
    .datetime()
    .optional()
    .describe('ISO 8601 instant after which the token stops working'),
});
