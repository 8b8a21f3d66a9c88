// The localStorage lease lock (frontend/js/lease-lock.js): the cross-tab lock
// the client falls back to when navigator.locks is missing (plain http on a
// LAN address is not a secure context).
//
// Every "tab" gets its own view of one shared storage. As in a browser, a
// write lands in the writer's view at once and reaches the other tabs later
// (each delivery has its own delay, so they can arrive out of order); the
// newest write wins everywhere in the end, and each delivery fires a
// `storage` event in the receiving tab only. Time is a fake clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createLeaseLock, KEY_PREFIX } from '../../frontend/js/lease-lock.js';

const LEASE_MS = 1_000;
const SETTLE_MS = 50;
const MAX_DELIVERY_MS = 20; // the protocol assumes writes land within settleMs / 2

/** A small seeded PRNG (mulberry32), so a failing interleaving can be replayed. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function browser({ seed = 1, maxDeliveryMs = MAX_DELIVERY_MS, maxWaitMs = 1_000 } = {}) {
  const clock = createFakeClock();
  const rand = random(seed);
  const tabs = [];
  let sequence = 0;
  let lastTabId = 0;

  function write(from, key, value) {
    const entry = { value, sequence: ++sequence };
    from.cache.set(key, entry);
    for (const tab of tabs) {
      if (tab === from) continue;
      clock.setTimeout(
        () => {
          if ((tab.cache.get(key)?.sequence ?? 0) > entry.sequence) return; // a newer write got there first
          tab.cache.set(key, entry);
          if (!tab.dead) tab.events.dispatchEvent(Object.assign(new Event('storage'), { key }));
        },
        1 + Math.floor(rand() * maxDeliveryMs),
      );
    }
  }

  function openTab() {
    const tab = { cache: new Map(), events: new EventTarget(), dead: false };
    // A dead tab runs no more timers: its lease is never renewed nor released.
    const tabClock = {
      now: clock.now,
      setTimeout: (fn, ms) =>
        clock.setTimeout(() => {
          if (!tab.dead) fn();
        }, ms),
      clearTimeout: clock.clearTimeout,
    };
    tab.storage = {
      getItem: (key) => tab.cache.get(key)?.value ?? null,
      setItem: (key, value) => write(tab, key, String(value)),
      removeItem: (key) => write(tab, key, null),
    };
    tab.lock = createLeaseLock({
      storage: tab.storage,
      events: tab.events,
      clock: tabClock,
      randomId: () => `tab-${++lastTabId}`,
      leaseMs: LEASE_MS,
      settleMs: SETTLE_MS,
      maxWaitMs,
      jitterMs: 10,
      random: rand,
    });
    tab.kill = () => {
      tab.dead = true;
    };
    tabs.push(tab);
    return tab;
  }

  /** Advance the fake clock until `promise` settles (or give up after `limitMs`). */
  async function run(promise, limitMs = 120_000) {
    let settled = false;
    promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (let t = 0; !settled && t < limitMs; t += 100) await clock.advance(100);
    assert.ok(settled, `still pending after ${limitMs} ms of fake time`);
    return promise;
  }

  const sleep = (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms));
  return { clock, rand, openTab, run, sleep };
}

describe('lease lock', { timeout: 30_000 }, () => {
  for (let seed = 1; seed <= 40; seed += 1) {
    test(`four tabs with slow storage never hold the lock together, and every request is served (seed ${seed})`, async () => {
      const { rand, openTab, run, sleep } = browser({ seed });
      const tabs = [openTab(), openTab(), openTab(), openTab()];
      let holders = 0;
      let most = 0;
      const served = tabs.map(() => 0);
      const work = tabs.map(async (tab, index) => {
        await sleep(Math.floor(rand() * 30)); // tabs start close together, never quite at once
        for (let round = 0; round < 5; round += 1) {
          await tab.lock.request('refresh', {}, async () => {
            holders += 1;
            most = Math.max(most, holders);
            await sleep(Math.floor(rand() * 40));
            holders -= 1;
            served[index] += 1;
          });
        }
      });
      await run(Promise.all(work));
      assert.equal(most, 1, 'two tabs held the lock at the same time');
      assert.deepEqual(served, [5, 5, 5, 5], 'every tab got its turn');
    });
  }

  test('the key holds {"owner": <tab id>, "expires": <epoch ms>} while held, and nothing after', async () => {
    const { clock, openTab, run } = browser();
    const tab = openTab();
    let seen = null;
    await run(
      tab.lock
        .request('refresh', {}, () => {
          seen = JSON.parse(tab.storage.getItem(`${KEY_PREFIX}refresh`));
          return 'result';
        })
        .then((result) => assert.equal(result, 'result')),
    );
    assert.deepEqual(Object.keys(seen), ['owner', 'expires']);
    assert.equal(seen.owner, tab.lock.id);
    assert.ok(seen.expires > clock.now() - 1_000 && seen.expires <= clock.now() + LEASE_MS);
    assert.equal(tab.storage.getItem('silent-refresh:lock:refresh'), null);
  });

  test('a lease renewed during a long callback keeps the others out; they get the lock as soon as it is released', async () => {
    // maxWaitMs is huge: only a storage event can wake the waiter this quickly.
    const { clock, openTab, run, sleep } = browser({ maxWaitMs: 60_000 });
    const a = openTab();
    const b = openTab();
    let releasedAt = null;
    const long = a.lock.request('refresh', {}, async () => {
      await sleep(LEASE_MS * 5);
      releasedAt = clock.now();
    });
    await clock.advance(SETTLE_MS + 10); // a holds it
    let grantedAt = null;
    const waiting = b.lock.request('refresh', {}, () => {
      grantedAt = clock.now();
    });
    await run(Promise.all([long, waiting]));
    assert.ok(
      grantedAt > releasedAt,
      'b got the lock while a still held it: the lease was not renewed',
    );
    assert.ok(
      grantedAt - releasedAt < 200,
      `b waited ${grantedAt - releasedAt} ms after the release`,
    );
  });

  test('when the holder dies, its lease runs out and a waiting tab gets the lock', async () => {
    const { clock, openTab, run } = browser();
    const a = openTab();
    const b = openTab();
    a.lock.request('refresh', {}, () => new Promise(() => {})); // never finishes
    await clock.advance(LEASE_MS * 3); // alive and renewing: nobody else may enter
    const lease = () => JSON.parse(b.storage.getItem(`${KEY_PREFIX}refresh`));
    assert.equal(lease().owner, a.lock.id);
    a.kill();
    const diedAt = clock.now();
    let grantedAt = null;
    await run(
      b.lock.request('refresh', {}, () => {
        grantedAt = clock.now();
      }),
    );
    assert.ok(
      grantedAt - diedAt <= LEASE_MS + SETTLE_MS + 100,
      `granted ${grantedAt - diedAt} ms after the holder died`,
    );
    assert.ok(grantedAt >= lease()?.expires - LEASE_MS || lease() === null);
  });

  test('a request whose signal aborts before the lock is granted rejects with an AbortError and leaves no trace', async () => {
    const { clock, openTab, run, sleep } = browser();
    const a = openTab();
    const b = openTab();
    const holding = a.lock.request('refresh', {}, () => sleep(2_000));
    await clock.advance(SETTLE_MS + 10);
    const start = clock.now();
    const controller = new AbortController();
    let ran = false;
    const aborted = b.lock.request('refresh', { signal: controller.signal }, () => {
      ran = true;
    });
    clock.setTimeout(() => controller.abort(), 300);
    await assert.rejects(run(aborted), { name: 'AbortError' });
    assert.ok(
      clock.now() - start < 1_000,
      'rejected when the signal aborted, not when the lock came free',
    );
    await run(holding);
    assert.equal(ran, false);
    await run(b.lock.request('refresh', {}, () => 'after')); // b can still take it
    const already = AbortSignal.abort();
    await assert.rejects(
      b.lock.request('refresh', { signal: already }, () => {}),
      { name: 'AbortError' },
    );
  });

  test('aborting while a claim is settling removes the claim', async () => {
    const { clock, openTab, run } = browser();
    const a = openTab();
    const b = openTab();
    const controller = new AbortController();
    const claim = a.lock.request('refresh', { signal: controller.signal }, () => {});
    await clock.advance(SETTLE_MS / 2);
    controller.abort();
    await assert.rejects(run(claim), { name: 'AbortError' });
    await clock.advance(MAX_DELIVERY_MS + 1);
    assert.equal(b.storage.getItem(`${KEY_PREFIX}refresh`), null);
    assert.equal(await run(b.lock.request('refresh', {}, () => 'b')), 'b');
  });

  test('a callback that throws releases the lock, and the request rejects with its error', async () => {
    const { clock, openTab, run } = browser();
    const a = openTab();
    const b = openTab();
    const boom = new Error('refresh failed');
    await assert.rejects(
      run(
        a.lock.request('refresh', {}, () => {
          throw boom;
        }),
      ),
      (error) => error === boom,
    );
    assert.equal(a.storage.getItem(`${KEY_PREFIX}refresh`), null);
    const before = clock.now();
    assert.equal(await run(b.lock.request('refresh', {}, () => 'next')), 'next');
    assert.ok(
      clock.now() - before < LEASE_MS,
      'b had to wait for a lease that should have been released',
    );
  });

  for (const junk of ['5', 'not json', '{"owner": "x"}', '{"expires": "soon"}']) {
    test(`a key holding something that is not a lease (${junk}) counts as free`, async () => {
      const { openTab, run } = browser();
      const tab = openTab();
      tab.storage.setItem(`${KEY_PREFIX}refresh`, junk);
      assert.equal(
        await run(
          tab.lock.request('refresh', {}, () => 'got it'),
          1_000,
        ),
        'got it',
      );
    });
  }

  test('two requests in one tab take turns too', async () => {
    const { openTab, run, sleep } = browser();
    const tab = openTab();
    let holders = 0;
    let most = 0;
    const job = () =>
      tab.lock.request('refresh', {}, async () => {
        most = Math.max(most, ++holders);
        await sleep(100);
        holders -= 1;
      });
    await run(Promise.all([job(), job(), job()]));
    assert.equal(most, 1);
  });
});

// localStorage can refuse a write: a full quota (QuotaExceededError), storage
// switched off while the page is open. A refusal must cost one request its
// lock at most, never the tab's lock for good.
describe('lease lock after a storage error', { timeout: 30_000 }, () => {
  const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

  /** A tab whose next `times` calls to storage[method] throw (Infinity: until told otherwise). */
  function failing(tab, method) {
    const real = tab.storage[method];
    const failure = { left: 0, seen: 0 };
    tab.storage[method] = (...args) => {
      if (failure.left > 0) {
        failure.left -= 1;
        failure.seen += 1;
        throw quotaError();
      }
      return real(...args);
    };
    return failure;
  }

  /** `promise`, and the fake time at which it settled (run() moves the clock in 100 ms steps). */
  function timed(clock, promise) {
    const at = { time: null };
    const mark = () => {
      at.time = clock.now();
    };
    promise.then(mark, mark);
    return { promise, at };
  }

  function browserWithErrors(options) {
    const world = browser(options);
    const openTab = () => {
      const errors = [];
      const tab = world.openTab();
      // Rebuild the lock with an error listener, over the same storage.
      tab.lock = createLeaseLock({
        storage: tab.storage,
        events: tab.events,
        clock: world.clock,
        randomId: () => `${tab.lock.id}'`,
        leaseMs: LEASE_MS,
        settleMs: SETTLE_MS,
        jitterMs: 10,
        random: world.rand,
        onError: (error, step) => errors.push({ name: error.name, step }),
      });
      tab.errors = errors;
      return tab;
    };
    return { ...world, openTab };
  }

  test('a refused claim rejects at once, and the next request takes the lock', async () => {
    const { clock, openTab, run } = browserWithErrors();
    const tab = openTab();
    const setItem = failing(tab, 'setItem');
    setItem.left = 1;
    const start = clock.now();
    let ran = false;
    const claim = timed(
      clock,
      tab.lock.request('refresh', {}, () => {
        ran = true;
      }),
    );
    await assert.rejects(run(claim.promise), { name: 'QuotaExceededError' });
    assert.equal(ran, false, 'the callback ran without the lock');
    assert.ok(claim.at.time - start < SETTLE_MS, `rejected after ${claim.at.time - start} ms`);
    const again = timed(
      clock,
      tab.lock.request('refresh', {}, () => 'held'),
    );
    const from = clock.now();
    assert.equal(await run(again.promise, 5_000), 'held');
    assert.ok(
      again.at.time - from < LEASE_MS,
      `the next request waited ${again.at.time - from} ms`,
    );
  });

  test('while writes keep failing, requests fail at once; the lock recovers too', async () => {
    const { clock, openTab, run } = browserWithErrors();
    const tab = openTab();
    const other = openTab();
    const setItem = failing(tab, 'setItem');
    setItem.left = Infinity;
    for (let round = 0; round < 5; round += 1) {
      const start = clock.now();
      const claim = timed(
        clock,
        tab.lock.request('refresh', {}, () => {}),
      );
      await assert.rejects(run(claim.promise), { name: 'QuotaExceededError' });
      assert.ok(
        claim.at.time - start < SETTLE_MS,
        `round ${round} waited ${claim.at.time - start} ms`,
      );
    }
    setItem.left = 0;
    let holders = 0;
    let most = 0;
    const job = (lock) =>
      lock.request('refresh', {}, async () => {
        most = Math.max(most, ++holders);
        await new Promise((resolve) => clock.setTimeout(resolve, 100));
        holders -= 1;
      });
    await run(Promise.all([job(tab.lock), job(other.lock), job(tab.lock)]), 10_000);
    assert.equal(most, 1, 'the recovered lock let two holders in');
  });

  test("a refused release keeps the callback's result and frees the lock", async () => {
    const { clock, openTab, run } = browserWithErrors();
    const a = openTab();
    const b = openTab();
    const removeItem = failing(a, 'removeItem');
    removeItem.left = 1;
    assert.equal(await run(a.lock.request('refresh', {}, () => 'refreshed')), 'refreshed');
    assert.equal(removeItem.seen, 1, 'the failing removeItem was called');
    assert.deepEqual(a.errors, [{ name: 'QuotaExceededError', step: 'release' }]);
    const start = clock.now();
    const aAgain = timed(
      clock,
      a.lock.request('refresh', {}, () => 'a again'),
    );
    assert.equal(await run(aAgain.promise), 'a again');
    assert.ok(aAgain.at.time - start < LEASE_MS / 2, `a waited ${aAgain.at.time - start} ms`);
    await clock.advance(MAX_DELIVERY_MS + 1);
    const later = clock.now();
    const bTurn = timed(
      clock,
      b.lock.request('refresh', {}, () => 'b'),
    );
    assert.equal(await run(bTurn.promise), 'b');
    assert.ok(bTurn.at.time - later < LEASE_MS / 2, `b waited ${bTurn.at.time - later} ms`);
  });

  test('a lease left behind: its tab retakes it at once, the others wait one lease', async () => {
    const { clock, openTab, run } = browserWithErrors();
    const a = openTab();
    const b = openTab();
    const removeItem = failing(a, 'removeItem');
    const setItem = failing(a, 'setItem');
    /** A request whose release fails both ways: its lease stays behind, unexpired. */
    const leaveLeaseBehind = () =>
      a.lock.request('refresh', {}, () => {
        removeItem.left = Infinity;
        setItem.left = Infinity;
      });
    await run(leaveLeaseBehind());
    assert.ok(setItem.seen >= 1, 'the release tried to write an expired lease');
    assert.equal(JSON.parse(a.storage.getItem(`${KEY_PREFIX}refresh`)).owner, a.lock.id);
    removeItem.left = 0;
    setItem.left = 0;
    const start = clock.now();
    const aAgain = timed(
      clock,
      a.lock.request('refresh', {}, () => 'a again'),
    );
    assert.equal(await run(aAgain.promise), 'a again');
    assert.ok(aAgain.at.time - start < LEASE_MS / 2, `a waited ${aAgain.at.time - start} ms`);
    await run(leaveLeaseBehind());
    removeItem.left = 0;
    setItem.left = 0;
    const waitFrom = clock.now();
    const bTurn = timed(
      clock,
      b.lock.request('refresh', {}, () => 'b'),
    );
    assert.equal(await run(bTurn.promise), 'b');
    const waited = bTurn.at.time - waitFrom;
    assert.ok(waited <= LEASE_MS + SETTLE_MS * 2 + 100, `b waited ${waited} ms`);
    assert.equal(a.errors.length, 2);
  });

  test('a renewal that throws is reported and retried; the holder keeps the lock', async () => {
    const { clock, openTab, run, sleep } = browserWithErrors();
    const a = openTab();
    const b = openTab();
    const setItem = failing(a, 'setItem');
    let bGotItAt = null;
    let aDoneAt = null;
    const long = a.lock.request('refresh', {}, async () => {
      setItem.left = 1; // the first renewal fails; the next ones work
      await sleep(LEASE_MS * 3);
      aDoneAt = clock.now();
    });
    await clock.advance(SETTLE_MS * 3);
    const waiting = b.lock.request('refresh', {}, () => {
      bGotItAt = clock.now();
    });
    await run(Promise.all([long, waiting]));
    assert.deepEqual(a.errors, [{ name: 'QuotaExceededError', step: 'renew' }]);
    assert.ok(bGotItAt >= aDoneAt, 'b got the lock while a still held it');
  });
});
