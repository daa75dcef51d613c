// Worker thread of the import pool: loads the FHIR definitions once (importing
// check.ts does), then parses, validates and indexes the batches it is sent.
import { parentPort } from 'node:worker_threads';
import { type CheckInput, checkRecords } from './check.ts';

parentPort!.on('message', (msg: { id: number; inputs: CheckInput[] }) => {
  try {
    const results = checkRecords(msg.inputs);
    for (const r of results) if (r.ok) delete r.resource;
    parentPort!.postMessage({ id: msg.id, results });
  } catch (err) {
    parentPort!.postMessage({
      id: msg.id,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
