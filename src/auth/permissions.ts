/**
 * The one permission table: every permission the product checks, and the
 * built-in roles as sets of them. docs/access-control.md is generated from
 * this file's data (test/access-docs.test.ts keeps it true), and every HTTP
 * route and CLI command names the permission it needs (deny by default).
 */

export const PERMISSIONS = {
  'patient:read': 'See patients: demographics, identifiers and contact data',
  'patient:write': 'Create and change patient demographics and contact data',
  'clinical:read': 'See clinical details: conditions, observations, medications, encounters…',
  'clinical:write': 'Create and change clinical resources',
  'directory:read': 'See organisations, locations, practitioners and other non-patient FHIR resources',
  'directory:write': 'Create and change organisations, locations, practitioners',
  'import:read': 'See FHIR import jobs, their progress and errors',
  'import:write': 'Start, cancel and run FHIR bulk imports',
  'changes:read': 'Read the change feed (resource ids and patient ids of every write)',
  'source:manage': 'Configure FHIR sources and contact sources',
  'channel:manage': 'Configure channel providers (SMTP, SMS, push, webhooks)',
  'segment:read': 'See segments, their member counts and members’ contact data',
  'segment:write': 'Build segments, including on clinical criteria',
  'segment:export': 'Export segment members with their contact data (audited)',
  'template:write': 'Write message templates',
  'campaign:write': 'Plan and send campaigns',
  'journey:write': 'Design and publish journeys',
  'event:read': 'See events and sessions',
  'event:write': 'Plan events and sessions',
  'registration:write': 'Register patients for events, check them in',
  'task:write': 'Work on outreach tasks (calls, follow-ups)',
  'user:read': 'See users and their roles',
  'user:write': 'Create, change and disable users; reset passwords',
  'role:write': 'Compose custom roles from permissions',
  'care-unit:write': 'Create care units and map them to organisations and locations',
  'token:read': 'See API tokens (never their secrets)',
  'token:write': 'Create and revoke API tokens for any user or integration',
  'audit:read': 'Query the audit log and export patients’ access extracts',
  'audit:verify': 'Verify the audit log’s hash chain',
  'privacy:manage': 'Export, erase and restrict a person’s data (GDPR rights) and set the consent policy',
  'patient:all-units': 'See patients of every care unit (organisation-wide role)',
  'emergency:access': 'Open a patient outside one’s care units with a stated reason (nödåtkomst)',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_IDS = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(p: string): p is Permission {
  return Object.hasOwn(PERMISSIONS, p);
}

export interface RoleDefinition {
  name: string;
  label: { en: string; sv: string };
  permissions: readonly Permission[];
  builtin: boolean;
}

const p = <T extends Permission[]>(...ps: T) => ps;

/**
 * Minimum necessary: outreach staff build segments on clinical criteria but
 * see counts and contact data, not clinical values; event planners see no
 * clinical data; only the clinical role reads clinical details; integration
 * administrators run imports and providers without browsing patients.
 */
export const BUILTIN_ROLES: readonly RoleDefinition[] = [
  {
    name: 'admin',
    label: { en: 'Administrator', sv: 'Administratör' },
    permissions: PERMISSION_IDS,
    builtin: true,
  },
  {
    name: 'outreach',
    label: { en: 'Outreach professional', sv: 'Utskickshandläggare' },
    permissions: p(
      'patient:read',
      'directory:read',
      'segment:read',
      'segment:write',
      'segment:export',
      'template:write',
      'campaign:write',
      'journey:write',
      'event:read',
      'patient:all-units',
    ),
    builtin: true,
  },
  {
    name: 'event-planner',
    label: { en: 'Event planner', sv: 'Evenemangsplanerare' },
    permissions: p('patient:read', 'directory:read', 'event:read', 'event:write', 'registration:write'),
    builtin: true,
  },
  {
    name: 'non-clinical',
    label: { en: 'Healthcare non-clinical user', sv: 'Administrativ vårdpersonal' },
    permissions: p(
      'patient:read',
      'patient:write',
      'directory:read',
      'event:read',
      'registration:write',
      'task:write',
    ),
    builtin: true,
  },
  {
    name: 'clinical',
    label: { en: 'Clinical user', sv: 'Klinisk användare' },
    permissions: p(
      'patient:read',
      'patient:write',
      'clinical:read',
      'clinical:write',
      'directory:read',
      'event:read',
      'registration:write',
      'task:write',
      'segment:read',
      'emergency:access',
    ),
    builtin: true,
  },
  {
    name: 'integration-admin',
    label: { en: 'Integration administrator', sv: 'Integrationsadministratör' },
    permissions: p(
      'patient:write',
      'clinical:write',
      'directory:read',
      'directory:write',
      'import:read',
      'import:write',
      'changes:read',
      'source:manage',
      'channel:manage',
      'patient:all-units',
    ),
    builtin: true,
  },
];

export const BUILTIN_ROLE_NAMES = BUILTIN_ROLES.map((r) => r.name);

export function builtinRole(name: string): RoleDefinition | undefined {
  return BUILTIN_ROLES.find((r) => r.name === name);
}
