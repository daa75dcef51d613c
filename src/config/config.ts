import path from 'node:path';

/** The whole typed configuration, read once from the environment (and CLI flags layered on top). */
export interface Config {
  port: number;
  host: string;
  /** PGlite data directory; used only when databaseUrl is not set. */
  dataDir: string;
  /** PostgreSQL server URL; when set the embedded database is not used. */
  databaseUrl: string | undefined;
  /** Schema to use on the PostgreSQL server (tests use a private one per run). */
  databaseSchema: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Public base URL used in FHIR links (Bundle.link, Location headers). */
  baseUrl: string | undefined;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /**
   * Behind a reverse proxy: trust its X-Forwarded-For/-Proto (true, a hop
   * count, or addresses), so client IPs in the audit log and Secure cookies are right.
   */
  trustProxy: boolean | number | string;
  /** Absolute session lifetime and idle timeout, in minutes. */
  sessionTtlMinutes: number;
  sessionIdleMinutes: number;
  /** How long audit records are kept before `outreach audit purge` may remove them. */
  auditRetentionDays: number;
  /** Single sign-on; undefined when OIDC_ISSUER is not set. */
  oidc: OidcConfig | undefined;
}

export interface OidcConfig {
  /** Issuer URL; its /.well-known/openid-configuration is discovered at start. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the IdP sends users back; default BASE_URL + /auth/oidc/callback. */
  redirectUri: string | undefined;
  /** Claim holding the user's groups or roles (default "groups"). */
  roleClaim: string;
  /** IdP group or claim value → product role, first match wins ("grp-a=clinical,grp-b=outreach"). */
  roleMap: { value: string; role: string }[];
  /** Claim holding care unit ids (HSA-ids); optional. */
  careUnitClaim: string | undefined;
  /** Text on the sign-in button. */
  label: string;
  /** Scopes asked for (default "openid email profile"). */
  scope: string;
  /** Allow http:// issuers (local test IdPs only). */
  allowInsecure: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number; set it to e.g. ${fallback}`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${env.LOG_LEVEL} is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const schema = env.DATABASE_SCHEMA || 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(
      `DATABASE_SCHEMA=${schema} must be a lower-case SQL identifier (letters, digits, _)`,
    );
  }
  return {
    port: intVar(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: schema,
    logLevel: logLevel as Config['logLevel'],
    baseUrl: env.BASE_URL?.replace(/\/$/, '') || undefined,
    bodyLimit: intVar(env, 'BODY_LIMIT_BYTES', 32 * 1024 * 1024),
    trustProxy: trustProxyVar(env.TRUST_PROXY),
    sessionTtlMinutes: intVar(env, 'SESSION_TTL_MINUTES', 12 * 60),
    sessionIdleMinutes: intVar(env, 'SESSION_IDLE_MINUTES', 30),
    auditRetentionDays: intVar(env, 'AUDIT_RETENTION_DAYS', 1826),
    oidc: oidcConfig(env),
    ...overrides,
  };
}

function oidcConfig(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  if (!env.OIDC_ISSUER) return undefined;
  const missing = ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'].filter((k) => !env[k]);
  if (missing.length)
    throw new ConfigError(
      `OIDC_ISSUER is set but ${missing.join(' and ')} is not; register the client at the IdP and set both`,
    );
  const roleMap = (env.OIDC_ROLE_MAP ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const i = pair.lastIndexOf('=');
      if (i <= 0 || i === pair.length - 1)
        throw new ConfigError(
          `OIDC_ROLE_MAP entry '${pair}' must be CLAIM_VALUE=ROLE, e.g. vard-kliniker=clinical`,
        );
      return { value: pair.slice(0, i), role: pair.slice(i + 1) };
    });
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID!,
    clientSecret: env.OIDC_CLIENT_SECRET!,
    redirectUri: env.OIDC_REDIRECT_URI || undefined,
    roleClaim: env.OIDC_ROLE_CLAIM || 'groups',
    roleMap,
    careUnitClaim: env.OIDC_CARE_UNIT_CLAIM || undefined,
    label: env.OIDC_LABEL || 'Single sign-on',
    scope: env.OIDC_SCOPE || 'openid email profile',
    allowInsecure: env.OIDC_ALLOW_INSECURE === 'true',
  };
}

function trustProxyVar(raw: string | undefined): boolean | number | string {
  if (!raw || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}
