// npm run bench -- [name ...]: runs the named benchmarks (all when none is named).
const BENCHES: Record<string, () => Promise<void>> = {
  ingest: async () => (await import('./ingest.ts')).runIngestBench(),
  auth: async () => (await import('./auth.ts')).runAuthBench(),
  unify: async () => (await import('./unify.ts')).runUnifyBench(),
  segments: async () => (await import('./segments.ts')).runSegmentsBench(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
  await BENCHES[name]();
}
