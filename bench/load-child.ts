// A load generator in its own process (so it does not share the server's
// event loop): keep-alive HTTP GETs at fixed concurrency, printing one JSON
// line with the count, the elapsed time and every latency in ms.
import http from 'node:http';

const [url, headersJson, pathsJson, concurrencyArg, requestsArg] = process.argv.slice(2);
const headers = JSON.parse(headersJson) as Record<string, string>;
const paths = JSON.parse(pathsJson) as string[];
const concurrency = Number(concurrencyArg);
const total = Number(requestsArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path, method: 'GET', headers, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let next = 0;
let failures = 0;
const latencies: number[] = [];
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      const status = await get(paths[i % paths.length]);
      latencies.push(performance.now() - t);
      if (status !== 200) failures++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
agent.destroy();
process.stdout.write(`${JSON.stringify({ requests: total, failures, seconds, latencies })}\n`);
