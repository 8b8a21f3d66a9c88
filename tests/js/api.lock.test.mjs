// docs/12-multiple-tabs.md: where navigator.locks is missing, the client's
// cross-tab lock is a lease in localStorage (lease-lock.js). localStorage can
// refuse a write (a full quota) or a removal: the refresh then runs at once
// without the lock, the client says so in a `lock` event, and the next
// refresh takes the lock again. It never waits out lockTimeoutMs for an
// error it already had.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import { makeClient } from './helpers/util.mjs';
import { KEY_PREFIX } from '../../frontend/js/lease-lock.js';

const LOCK_KEY = `${KEY_PREFIX}silent-refresh:refresh`;
const LOCK_TIMEOUT_MS = 15_000;

/** One tab's localStorage, whose writes and removals of the lock's key can be made to throw. */
function createStorage() {
  const items = new Map();
  const fail = { setItem: 0, removeItem: 0 };
  const writes = [];
  const refuse = (method, key) => {
    if (!key.startsWith(KEY_PREFIX) || fail[method] <= 0) return;
    fail[method] -= 1;
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
  return {
    fail,
    writes,
    getItem: (key) => items.get(key) ?? null,
    setItem(key, value) {
      refuse('setItem', key);
      if (key.startsWith(KEY_PREFIX)) writes.push(JSON.parse(value));
      items.set(key, String(value));
    },
    removeItem(key) {
      refuse('removeItem', key);
      items.delete(key);
    },
  };
}

describe('the lease lock in the client, after storage errors', { timeout: 10_000 }, () => {
  let storage;
  beforeEach(() => {
    storage = createStorage();
    globalThis.localStorage = storage; // Node 20 has neither localStorage nor navigator.locks
  });
  afterEach(() => {
    delete globalThis.localStorage;
  });

  async function setup() {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    // locks: undefined, so the client picks its own: the lease lock on our storage.
    const { client } = makeClient(server, { clock, locks: undefined });
    const lockEvents = [];
    client.on('lock', ({ state, reason, error }) =>
      lockEvents.push({ state, reason, error: error?.name }),
    );
    await client.login('demo', 'password');
    /** A call that needs a refresh; resolves with the fake time it took. */
    async function callThroughRefresh() {
      client.setAccessToken('corrupted'); // the next call gets a 401 and refreshes
      const start = clock.now();
      let done = false;
      const call = client.get('/aaa').finally(() => {
        done = true;
      });
      for (let t = 0; !done && t < LOCK_TIMEOUT_MS * 2; t += 10) await clock.advance(10);
      assert.equal((await call).data, 'aaa');
      return clock.now() - start;
    }
    return { server, lockEvents, callThroughRefresh };
  }

  test('a refused claim: that refresh runs at once; the next one takes the lock', async () => {
    const { server, lockEvents, callThroughRefresh } = await setup();
    storage.fail.setItem = 1;
    const first = await callThroughRefresh();
    assert.ok(first < 1_000, `the refresh waited ${first} ms for a lock it could not take`);
    assert.deepEqual(lockEvents, [
      { state: 'degraded', reason: 'acquire', error: 'QuotaExceededError' },
    ]);
    assert.equal(storage.writes.length, 0);
    const second = await callThroughRefresh();
    assert.ok(second < 1_000, `the next refresh waited ${second} ms`);
    assert.ok(storage.writes.length > 0, 'the next refresh ran without the lease');
    assert.deepEqual(lockEvents.at(-1), { state: 'ok', reason: undefined, error: undefined });
    assert.equal(server.stats.refresh, 2);
  });

  test('a refused release is reported; the next refresh takes the lock at once', async () => {
    const { server, lockEvents, callThroughRefresh } = await setup();
    storage.fail.removeItem = 1;
    await callThroughRefresh();
    assert.deepEqual(lockEvents, [
      { state: 'degraded', reason: 'release', error: 'QuotaExceededError' },
    ]);
    const writesBefore = storage.writes.length;
    const next = await callThroughRefresh();
    assert.ok(next < 1_000, `the next refresh waited ${next} ms`);
    assert.ok(storage.writes.length > writesBefore, 'the next refresh ran without the lease');
    assert.deepEqual(
      lockEvents.map((e) => e.state),
      ['degraded', 'ok'],
    );
    assert.equal(storage.getItem(LOCK_KEY), null);
    assert.equal(server.stats.refresh, 2);
  });

  test('a storage that keeps refusing: each refresh runs at once and says so', async () => {
    const { server, lockEvents, callThroughRefresh } = await setup();
    storage.fail.setItem = Infinity;
    for (let round = 0; round < 4; round += 1) {
      const took = await callThroughRefresh();
      assert.ok(took < 1_000, `refresh ${round} waited ${took} ms`);
    }
    assert.equal(server.stats.refresh, 4);
    assert.deepEqual(
      lockEvents.map((e) => `${e.state}:${e.reason}`),
      Array(4).fill('degraded:acquire'),
    );
    storage.fail.setItem = 0;
    await callThroughRefresh();
    assert.equal(lockEvents.at(-1).state, 'ok');
  });
});
