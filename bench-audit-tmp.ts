import { AuditLog } from './src/auth/audit/log.ts';
import { auditTestDb, testPrincipal } from './src/auth/audit/testing.ts';
import { ChangeFeed } from './src/fhir/changes.ts';
import { FhirStore } from './src/fhir/store.ts';

const env = await auditTestDb();
const store = new FhirStore(env.db, env.clock, new ChangeFeed(env.db));
const ids: string[] = [];
for (let i = 0; i < 200; i++) ids.push((await store.create({ resourceType: 'Patient', name: [{ family: `F${i}` }] } as any)).resource.id!);
const log = new AuditLog(env.db, env.clock);
const p = testPrincipal();
async function run(label: string, n: number, conc: number, withAudit: boolean) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < n) {
      const id = ids[next++ % ids.length];
      await store.read('Patient', id);
      if (withAudit) await log.record(p, { action: 'read', outcome: 'success', resourceType: 'Patient', resourceIds: [id], patientIds: [id] }, { ip: '127.0.0.1', client: 'bench' });
    }
  }));
  const ms = performance.now() - t0;
  return ms;
}
for (const conc of [1, 16]) {
  await run('warm', 500, conc, true);
  const a = await run('plain', 3000, conc, false);
  const b = await run('audit', 3000, conc, true);
  console.log(`${env.db.dialect} conc=${conc}: read ${(a / 3000 * 1000).toFixed(0)} µs/op, read+audit ${(b / 3000 * 1000).toFixed(0)} µs/op, ratio ${(b / a).toFixed(2)}`);
}
await env.close();
