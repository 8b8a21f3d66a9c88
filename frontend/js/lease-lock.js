// @ts-check
/**
 * lease-lock.js: a cross-tab lock for pages where Web Locks are missing.
 *
 * `navigator.locks` exists only in secure contexts (https, localhost). On
 * plain http from a LAN address, as in many workshop rooms, tabs refreshing
 * at the same moment would present one refresh token twice, and reuse
 * detection would log the user out. This module offers the one method
 * api.js uses, `request(name, { signal }, callback)`, on localStorage, which
 * every tab of an origin shares, secure or not.
 *
 * localStorage has no compare-and-swap, and a write reaches the other tabs'
 * processes a moment later. So a tab claims the lock by writing its id, waits
 * until any rival write has had time to land, and reads back: whoever's id is
 * still there holds the lock (the protocol of browser-tabs-lock, which
 * Auth0's SPA SDK uses). The claim is a lease with an expiry, renewed while
 * the callback runs, so a tab that dies holding it blocks the others for one
 * lease at most. Waiters sleep until a `storage` event says the key changed.
 *
 * localStorage can refuse a write (a full quota throws QuotaExceededError) or
 * a removal. Such an error costs one request its lock, never the tab's: a
 * refused claim rejects at once (as navigator.locks does when it cannot lock,
 * and the client then refreshes without the lock), and a refused release or
 * renewal is reported to `onError` and forgotten, so the next request claims
 * the lock as usual.
 */

/**
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any,
 *   clearTimeout(id: any): void }} Clock
 * @typedef {{ owner: string, expires: number }} Lease  what the key holds, as JSON
 * @typedef {{ request<T>(name: string, options: { signal?: AbortSignal },
 *   callback: (lock: { name: string, mode: string }) => T | Promise<T>): Promise<T> }} LeaseLock
 */

export const KEY_PREFIX = 'silent-refresh:lock:';

/** A random id, from getRandomValues: crypto.randomUUID() is secure-context only, too. */
function randomTabId() {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * localStorage if this page may use it (sandboxed frames and some private modes throw),
 * else null.
 */
export function usableLocalStorage() {
  try {
    const storage = globalThis.localStorage;
    storage.setItem('silent-refresh:probe', '1'); // outside KEY_PREFIX: wakes no waiter
    storage.removeItem('silent-refresh:probe');
    return storage;
  } catch {
    return null;
  }
}

/**
 * @param {object} [options]
 * @param {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} [options.storage]
 *   default localStorage
 * @param {Pick<EventTarget, 'addEventListener' | 'removeEventListener'>} [options.events]
 *   where `storage` events arrive (default: the window)
 * @param {Clock} [options.clock] timers and Date.now()
 * @param {() => string} [options.randomId] this tab's id, the `owner` in the key
 * @param {number} [options.leaseMs] a dead holder blocks the others this long at most
 * @param {number} [options.settleMs] how long a claim waits for rival writes before reading back
 * @param {number} [options.maxWaitMs] a waiter re-checks at least this often, event or not
 * @param {number} [options.jitterMs] before each look at the key, wait a random moment up to this
 * @param {() => number} [options.random] in [0, 1), for the jitter
 * @param {(error: unknown, step: 'renew' | 'release') => void} [options.onError] told of a storage
 *   error the lock got over on its own (a refused claim rejects the request instead)
 * @returns {LeaseLock & { id: string }}
 */
export function createLeaseLock(options = {}) {
  const {
    storage = /** @type {Storage} */ (globalThis.localStorage),
    events = globalThis,
    clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id),
    },
    randomId = randomTabId,
    leaseMs = 5_000,
    settleMs = 100,
    jitterMs = 50,
    random = Math.random,
    maxWaitMs = 1_000,
    onError = () => {},
  } = options;
  const id = randomId();
  /** Keys this tab is claiming or holding: its own requests queue here, not in storage. */
  const mine = new Set();
  /** Waiters to wake when a key changes (storage events never fire in the tab that wrote). */
  const wakers = new Set();
  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };
  // Without an event target (not a window), waiters still re-check every maxWaitMs.
  events?.addEventListener?.('storage', (/** @type {any} */ event) => {
    if (event.key === null || event.key?.startsWith(KEY_PREFIX)) wakeAll();
  });

  /**
   * The lease under `key`, or null: a value that is not a lease counts as free.
   * @returns {Lease | null}
   */
  function read(/** @type {string} */ key) {
    try {
      const lease = JSON.parse(storage.getItem(key) ?? 'null');
      return typeof lease?.owner === 'string' && Number.isFinite(lease.expires) ? lease : null;
    } catch {
      return null;
    }
  }
  const writeLease = (/** @type {string} */ key, expires = clock.now() + leaseMs) =>
    storage.setItem(key, JSON.stringify({ owner: id, expires }));

  /** Resolve after `ms`, or sooner on a storage change; reject if `signal` aborts. */
  function pause(
    /** @type {number} */ ms,
    /** @type {AbortSignal | undefined} */ signal,
    wakeOnChange = true,
  ) {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const finish = (/** @type {boolean} */ aborted) => {
        clock.clearTimeout(timer);
        wakers.delete(done);
        signal?.removeEventListener('abort', stop);
        if (aborted) reject(abortError(signal));
        else resolve(undefined);
      };
      const done = () => finish(false),
        stop = () => finish(true);
      const timer = clock.setTimeout(done, ms);
      if (wakeOnChange) wakers.add(done);
      signal?.addEventListener('abort', stop, { once: true });
    });
  }

  // #region lease-acquire
  /** Wait until this tab holds `key`: claim, let rival writes land, read back. */
  async function acquire(/** @type {string} */ key, /** @type {AbortSignal | undefined} */ signal) {
    for (;;) {
      // Tabs woken by the same event would all claim at once: a random pause
      // spreads them out, so most see the first claim instead of racing it.
      await pause(random() * jitterMs, signal, false);
      const lease = read(key);
      // Our own id with no request of ours holding it: a release that failed left it behind.
      const free = !lease || lease.expires <= clock.now() || lease.owner === id;
      if (!mine.has(key) && free) {
        mine.add(key); // JS runs one task at a time: no other request of this tab can slip in
        try {
          writeLease(key);
        } catch (error) {
          release(key); // nothing was written: the claim never happened
          throw error;
        }
        // Another tab may have read "free" just before our write reached it
        // and written its own claim. Wait for such writes to arrive here, and
        // look twice: on a busy machine our timer can run before a rival
        // write that is already on its way is applied to our copy.
        let ours = true;
        try {
          for (let look = 0; look < 2 && ours; look += 1) {
            await pause(settleMs, signal, false);
            ours = read(key)?.owner === id;
          }
        } catch (error) {
          release(key);
          throw error;
        }
        if (ours) return; // our claim survived: we hold the lock
        mine.delete(key); // a later claim won: wait like everyone else
        continue;
      }
      // Held: sleep until the key changes, the lease runs out, or maxWaitMs
      // passes (a safety net for a lost event, not a busy loop).
      const untilExpiry = lease && !mine.has(key) ? lease.expires - clock.now() + 1 : maxWaitMs;
      await pause(Math.max(1, Math.min(maxWaitMs, untilExpiry)), signal);
    }
  }
  // #endregion

  /** Give `key` up: remove it if still ours (an expired lease may be another's). Never throws. */
  function release(/** @type {string} */ key) {
    try {
      if (read(key)?.owner === id) storage.removeItem(key);
    } catch (error) {
      // The lease stays behind. Mark it expired, so that other tabs need not
      // wait it out; if even that fails, they wait one lease at most, as for
      // a tab that died. This tab knows it is free (see acquire).
      try {
        writeLease(key, 0);
      } catch {
        /* reported just below */
      }
      onError(error, 'release');
    }
    mine.delete(key);
    wakeAll(); // this tab's own waiters get no storage event
  }

  // #region lease-request
  /**
   * Run `callback` while holding the lock `name`, as navigator.locks.request
   * does: resolves with its result, rejects with its error, or with an
   * AbortError if `signal` aborts first. The lease is renewed every third of
   * its life while the callback runs, and released in `finally`, always.
   * @type {LeaseLock['request']}
   */
  async function request(name, { signal } = {}, callback) {
    const key = KEY_PREFIX + name;
    await acquire(key, signal);
    let renewal = clock.setTimeout(function renew() {
      try {
        if (read(key)?.owner === id) writeLease(key);
      } catch (error) {
        onError(error, 'renew'); // the lease may run out under us if this goes on: try again
      }
      renewal = clock.setTimeout(renew, leaseMs / 3);
    }, leaseMs / 3);
    try {
      return await callback({ name, mode: 'exclusive' });
    } finally {
      clock.clearTimeout(renewal);
      release(key);
    }
  }
  // #endregion

  return { id, request };
}

/**
 * What Web Locks reject with on abort: the signal's reason, by default a DOMException named
 * AbortError.
 */
function abortError(/** @type {AbortSignal | undefined} */ signal) {
  return signal?.reason ?? new DOMException('The lock request was aborted', 'AbortError');
}
