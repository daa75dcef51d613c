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
    ...overrides,
  };
}
