// One measured step of the ingest benchmark, in its own process so that its
// peak RSS is its own. Prints one JSON line on stdout.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { openRuntime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { copyValue } from '../src/db/client.ts';
import { openDatabase } from '../src/db/database.ts';
import { importPaths } from '../src/fhir/import/import-paths.ts';

const [task, ...paths] = process.argv.slice(2);
const env = process.env;

function listFiles(p: string): string[] {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return [p];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((f) => listFiles(path.join(p, f)));
}

/** Every resource of the inputs as one JSON text, in file order. */
async function* resourcesAsJson(files: string[]): AsyncGenerator<string> {
  for (const file of files) {
    if (/\.ndjson(\.gz)?$/.test(file)) {
      let input: NodeJS.ReadableStream = fs.createReadStream(file);
      if (file.endsWith('.gz')) input = input.pipe(zlib.createGunzip());
      for await (const line of readline.createInterface({ input, crlfDelay: Infinity }))
        if (line.trim()) yield line;
    } else if (file.endsWith('.json')) {
      const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (doc.resourceType === 'Bundle') for (const e of doc.entry ?? []) yield JSON.stringify(e.resource);
      else yield JSON.stringify(doc);
    }
  }
}

const started = performance.now();
let resources = 0;
if (task === 'copy') {
  // Baseline: the same JSON, COPY'd into a bare jsonb table with no index, no validation.
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    schema: env.DATABASE_SCHEMA,
    dataDir: env.DATABASE_URL ? undefined : env.DATA_DIR,
  });
  await db.query('DROP TABLE IF EXISTS bench_raw');
  await db.query('CREATE TABLE bench_raw (content jsonb NOT NULL)');
  let chunk: string[] = [];
  const flush = async () => {
    const text = chunk.join('');
    chunk = [];
    await db.transaction((c) => c.copyFrom('bench_raw', ['content'], text));
  };
  for await (const json of resourcesAsJson(paths.flatMap(listFiles))) {
    chunk.push(`${copyValue(json)}\n`);
    resources++;
    if (chunk.length >= 5000) await flush();
  }
  if (chunk.length) await flush();
  await db.query('DROP TABLE bench_raw');
  await db.close();
} else if (task === 'import') {
  const rt = await openRuntime(loadConfig(env));
  const summary = await importPaths(rt.store, paths, {});
  resources = Object.values(summary.types).reduce((a, t) => a + t.read, 0);
  if (summary.errorCount)
    process.stderr.write(
      `${summary.errorCount} import errors, first: ${JSON.stringify(summary.errors[0])}\n`,
    );
  await rt.close();
} else {
  throw new Error(`unknown task ${task}`);
}
const seconds = (performance.now() - started) / 1000;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `${JSON.stringify({ task, resources, seconds, perSecond: resources / seconds, maxRssMiB })}\n`,
);
