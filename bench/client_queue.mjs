// Benchmark: how the queued client handles N requests that all get a 401 at once.
//
//   node bench/client_queue.mjs [--rtt MS] [--runs K]
//
// For each N it measures
// - refresh calls: must be exactly 1 (the script exits 1 otherwise);
// - the time from the first 401 to the last replayed response, and that time
//   divided by one request's round trip. The physical floor is 2 round trips:
//   the refresh, then the replays (all in parallel). Anything above 2 is the
//   client's own overhead.
// For reference, the last column times the same N requests with a valid token
// (no 401, no refresh): one round trip plus the plain cost of N responses in
// JavaScript. A burst costs about one round trip (the refresh) more than that.
//
// The network is a fake fetch: every response arrives exactly one round trip
// (setTimeout) after its request was sent. No server, no npm packages. Its
// responses are minimal objects with what the client reads (ok, status,
// headers, text()): Node's own Response costs a fraction of a millisecond
// each, which at N = 1000 would measure undici rather than the queue.

import { createApiClient } from '../frontend/js/api.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RTT_MS = option('rtt', 5);
const RUNS = option('runs', 7);
const SIZES = [1, 2, 5, 10, 50, 100, 250, 500, 1000];

/** A fake API: tokens that can be expired, /auth/login, /auth/refresh, and any GET. */
function createFakeNetwork() {
  let seq = 0;
  const valid = new Set();
  const network = { refreshCalls: 0, expireAll: () => valid.clear() };
  const headers = new Headers({ 'content-type': 'application/json' });
  const json = (status, body) => {
    const text = JSON.stringify(body);
    return { ok: status >= 200 && status < 300, status, headers, text: async () => text };
  };
  const tokenResponse = () => {
    const token = `access-${++seq}`;
    valid.add(token);
    return json(200, {
      access_token: token,
      token_type: 'Bearer',
      expires_in: 900,
      user: { id: 1, username: 'demo' },
    });
  };
  network.fetch = (url, init = {}) => {
    const path = new URL(url).pathname;
    // Decide now (when the request is sent), answer one round trip later.
    let respond;
    if (path === '/auth/login') respond = tokenResponse;
    else if (path === '/auth/refresh') {
      network.refreshCalls += 1;
      respond = tokenResponse;
    } else {
      const token = new Headers(init.headers).get('authorization')?.slice('Bearer '.length);
      respond = valid.has(token)
        ? () => json(200, { data: path.slice(1) })
        : () => json(401, { error: 'token_expired', message: 'The access token has expired.' });
    }
    return new Promise((resolve) => setTimeout(() => resolve(respond()), RTT_MS));
  };
  return network;
}

function newClient(network) {
  return createApiClient({
    baseURL: 'http://bench.test',
    fetch: network.fetch,
    readCsrfToken: () => 'csrf',
    proactiveRefresh: false,
    locks: null,
    BroadcastChannel: null,
    document: null,
  });
}

/** One request's round trip as the client sees it (fetch, JSON, interceptors). */
async function measureRoundTrip() {
  const network = createFakeNetwork();
  const client = newClient(network);
  await client.login('demo', 'password');
  const samples = [];
  for (let i = 0; i < 20; i += 1) {
    const start = performance.now();
    await client.get('/aaa');
    samples.push(performance.now() - start);
  }
  return median(samples);
}

async function runBurst(n) {
  const network = createFakeNetwork();
  const client = newClient(network);
  await client.login('demo', 'password');
  network.expireAll(); // every request of the burst will get a 401
  let first401 = Infinity;
  let lastDone = 0;
  let done = 0;
  client.on('unauthorized', (event) => {
    first401 = Math.min(first401, event.time);
  });
  client.on('done', (event) => {
    lastDone = Math.max(lastDone, event.time);
    done += 1;
  });
  await Promise.all(Array.from({ length: n }, (_, i) => client.get(`/aaa?i=${i}`)));
  if (done !== n) throw new Error(`only ${done} of ${n} requests succeeded`);
  return { refreshCalls: network.refreshCalls, elapsed: lastDone - first401 };
}

/** The same N requests with a valid token: one round of N, no queue. */
async function runPlain(n) {
  const network = createFakeNetwork();
  const client = newClient(network);
  await client.login('demo', 'password');
  const start = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => client.get(`/aaa?i=${i}`)));
  return performance.now() - start;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const n of SIZES) await Promise.all([runBurst(n), runPlain(n)]); // warm-up: let the JIT compile the hot paths first
const roundTrip = await measureRoundTrip();
console.log(
  `fake network: ${RTT_MS} ms per round trip (measured through the client: ${roundTrip.toFixed(2)} ms); median of ${RUNS} runs\n`,
);
const rows = [
  [
    'N',
    'refresh calls',
    'first 401 → last response (ms)',
    'ratio to one round trip',
    'same N, no 401 (ms)',
  ],
];
let ok = true;
for (const n of SIZES) {
  const runs = [];
  for (let run = 0; run < RUNS; run += 1) runs.push(await runBurst(n));
  const refreshCalls = Math.max(...runs.map((r) => r.refreshCalls));
  if (runs.some((r) => r.refreshCalls !== 1)) ok = false;
  const elapsed = median(runs.map((r) => r.elapsed));
  const plain = [];
  for (let run = 0; run < RUNS; run += 1) plain.push(await runPlain(n));
  rows.push([
    String(n),
    String(refreshCalls),
    elapsed.toFixed(2),
    (elapsed / roundTrip).toFixed(2),
    median(plain).toFixed(2),
  ]);
}
const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
for (const [i, row] of rows.entries()) {
  console.log(row.map((cell, col) => cell.padStart(widths[col])).join(' | '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
}
console.log('\nfloor: 2 round trips (the refresh, then the replays in parallel)');
if (!ok) {
  console.error('FAIL: a burst made more than one refresh call');
  process.exit(1);
}
