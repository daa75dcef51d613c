import fs from 'node:fs';
import path from 'node:path';

/**
 * PGlite's data directory must be opened by one process at a time, and
 * PGlite itself does not stop a second one. This lock file does: whoever
 * opens DATA_DIR holds it; a running server also publishes where it listens,
 * so CLI commands can go through it instead of opening the files.
 */
export interface ServerInfo {
  pid: number;
  url: string;
  token: string;
}

export class DataDirBusyError extends Error {
  readonly holder: number;
  constructor(dir: string, holder: number, what: string) {
    super(
      `the embedded database in ${dir} is in use by process ${holder} (${what}). ` +
        'Wait for that command to finish, or stop it, then run this again. ' +
        '(With a PostgreSQL server, set DATABASE_URL and any number of commands can run at once.)',
    );
    this.holder = holder;
  }
}

const lockPath = (dir: string) => path.join(dir, 'outreach.lock');
const serverPath = (dir: string) => path.join(dir, 'server.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws DataDirBusyError; a lock left by a dead process is taken over. */
export function acquireDataDir(dir: string, what: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = lockPath(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, what }), { flag: 'wx', mode: 0o600 });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const held = JSON.parse(fs.readFileSync(file, 'utf8'));
          if (held.pid === process.pid) fs.rmSync(file);
          fs.rmSync(serverPath(dir), { force: true });
        } catch {
          // Already gone.
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let held: { pid: number; what: string };
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        held = { pid: 0, what: 'unknown' };
      }
      if (held.pid && alive(held.pid) && held.pid !== process.pid)
        throw new DataDirBusyError(dir, held.pid, held.what);
      fs.rmSync(file, { force: true });
      fs.rmSync(serverPath(dir), { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

export function publishServer(dir: string, info: ServerInfo): void {
  fs.writeFileSync(serverPath(dir), JSON.stringify(info), { mode: 0o600 });
}

/** The running server holding DATA_DIR, if any. */
export function runningServer(dir: string): ServerInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(serverPath(dir), 'utf8')) as ServerInfo;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}
