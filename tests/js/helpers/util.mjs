// Small test utilities: making a client wired to the fake server, waiting for
// events, and checking that no promise was left hanging.

import { createApiClient } from '../../../frontend/js/api.js';
import { createNaiveApiClient } from '../../../frontend/js/naive.js';

export const BASE_URL = 'http://api.test';

/**
 * Let the event loop run: each turn flushes all microtasks, then one round of
 * macrotasks (the fake server answers on setImmediate when latency is 0).
 * Used only to reach quiescence before checking that nothing is pending, and
 * inside the fake clock; tests wait for what they expect by awaiting it.
 */
export async function drain(turns = 25) {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Mark a promise as handled now (so Node does not report a rejection that the
 * test will look at later) and return it unchanged.
 */
export function handled(promise) {
  promise.catch(() => {});
  return promise;
}

/**
 * Wait until nothing more can happen by itself: the fake server has nothing
 * in flight (replays may follow a refresh, so check again after draining).
 */
export async function quiesce(server) {
  do {
    await server?.idle();
    await drain();
  } while (server && server.inFlight > 0);
}

/** 'fulfilled' | 'rejected' | 'pending', once the system is quiet. */
export async function settledState(promise, server) {
  let state = 'pending';
  promise.then(
    () => {
      state = 'fulfilled';
    },
    () => {
      state = 'rejected';
    },
  );
  await quiesce(server);
  return state;
}

/**
 * Promise.allSettled, after asserting that none of the promises hangs: once
 * the server is idle and the event loop drained, a promise still pending
 * would wait forever.
 */
export async function settleAll(promises, server) {
  await quiesce(server);
  const states = await Promise.all(promises.map((p) => settledState(p)));
  const hanging = states.filter((s) => s === 'pending').length;
  if (hanging) throw new Error(`${hanging} of ${promises.length} promises are still pending`);
  return Promise.allSettled(promises);
}

/** The next event of `type` (matching `where`), as a promise. */
export function nextEvent(client, type, where = () => true) {
  return new Promise((resolve) => {
    const off = client.on(type, (event) => {
      if (!where(event)) return;
      off();
      resolve(event);
    });
  });
}

/** Every event the client emits, in order. */
export function recordEvents(client) {
  const events = [];
  client.on('*', (event) => events.push(event));
  return events;
}

/**
 * A client wired to a fake server. Defaults suit single-tab tests: no
 * proactive timer, no locks, no BroadcastChannel (Node 20 has a real one).
 */
export function makeClient(server, overrides = {}, factory = createApiClient) {
  const expired = [];
  const client = factory({
    baseURL: BASE_URL,
    fetch: server.fetch,
    readCsrfToken: server.readCsrfToken,
    onSessionExpired: (error) => expired.push(error),
    proactiveRefresh: false,
    locks: null,
    BroadcastChannel: null,
    document: null,
    ...overrides,
  });
  return { client, expired };
}

export function makeNaiveClient(server, overrides = {}) {
  return makeClient(server, overrides, createNaiveApiClient);
}

/** Requests to one path in the server's log. */
export const requestsTo = (server, path) =>
  server.log.filter((req) => req.path.split('?')[0] === path);
