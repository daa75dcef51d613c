import { AuditLog } from './src/auth/audit/log.ts';
import { auditTestDb, testPrincipal } from './src/auth/audit/testing.ts';
const env = await auditTestDb();
const log = new AuditLog(env.db, env.clock);
const p = testPrincipal();
const time = async (label: string, n: number, f: (i: number) => Promise<unknown>) => {
  for (let i = 0; i < 200; i++) await f(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) await f(i);
  console.log(env.db.dialect, label, (((performance.now() - t) / n) * 1000).toFixed(0), 'µs');
};
await time('SELECT 1', 2000, () => env.db.query('SELECT 1'));
await time('record', 2000, (i) => log.record(p, { action: 'read', outcome: 'success', resourceType: 'Patient', resourceIds: [`p${i}`], patientIds: [`p${i}`] }, { ip: '1.2.3.4', client: 'x' }));
await env.db.query('CREATE TABLE plain (a bigint primary key, b text)');
await time('plain insert', 2000, (i) => env.db.query('INSERT INTO plain VALUES ($1, $2)', [i + 100000 * Math.random() | 0 + i * 1e6, 'x']));
await time('advisory lock', 2000, () => env.db.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))`));
await time('last', 2000, () => env.db.query(`SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`));
await env.close();
