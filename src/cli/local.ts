import type { Config } from '../config/config.ts';
import { acquireDataDir, runningServer, type ServerInfo } from './lock.ts';
import { openRuntime, type Runtime } from './runtime.ts';

/**
 * Runs a command against the database. With the embedded database and a
 * server already holding DATA_DIR, `viaServer` runs instead (the command goes
 * through the server's API); without it the user is told what to do.
 */
export async function withDatabase<T>(
  config: Config,
  what: string,
  local: (rt: Runtime) => Promise<T>,
  viaServer?: (server: ServerInfo) => Promise<T>,
): Promise<T> {
  if (!config.databaseUrl) {
    const server = runningServer(config.dataDir);
    if (server) {
      if (viaServer) return viaServer(server);
      throw new Error(
        `a Patient Outreach server (pid ${server.pid}, ${server.url}) holds the embedded database in ${config.dataDir}; ` +
          `'${what}' cannot run beside it. Stop the server (Ctrl-C), run the command, then start it again.`,
      );
    }
  }
  const release = config.databaseUrl ? () => undefined : acquireDataDir(config.dataDir, `outreach ${what}`);
  try {
    const rt = await openRuntime(config);
    try {
      return await local(rt);
    } finally {
      await rt.close();
    }
  } finally {
    release();
  }
}

/**
 * Calls the running server's API: as OUTREACH_TOKEN's user or integration when
 * set (the server checks and audits that principal), else with the local
 * control token (the machine's operator).
 */
export async function callServer(
  server: ServerInfo,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${process.env.OUTREACH_TOKEN || server.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok && res.status !== 202) {
    const detail = json?.detail ?? json?.issue?.map((i: any) => i.diagnostics).join('; ') ?? text;
    throw new Error(`server answered ${res.status}: ${detail}`);
  }
  return { status: res.status, headers: res.headers, body: json };
}
