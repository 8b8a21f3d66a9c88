// @ts-check
/**
 * cross-tab.js: one refresh for all tabs. Plugs into the core's `coordinate`
 * hook (every refresh runs inside it) and listens to its `session` events.
 *
 * Tabs of one site share one cookie jar, hence one refresh token. With
 * rotation and reuse detection, two tabs refreshing at once present the same
 * token twice, and the server revokes the session: the user is logged out
 * for having two tabs open. So one tab refreshes at a time (a lock) and hands
 * its new access token to the others (BroadcastChannel; same origin only, the
 * token stays in memory). Both are feature-detected.
 */

import { createLeaseLock, usableLocalStorage } from './lease-lock.js';

/** @typedef {import('./silent-refresh.js').Session} Session */
/**
 * What the client needs of a lock: navigator.locks has it, and so does lease-lock.js.
 * @typedef {{ request: <T>(name: string, options: { signal?: AbortSignal },
 *   callback: (lock: any) => T | Promise<T>) => Promise<T> }} Locks
 */

/** Inside the lock, how long to wait for a token another tab is already sending us. */
const SHARED_TOKEN_GRACE_MS = 1_000;

/**
 * The lock used when the app passes none. Web Locks exist only in secure
 * contexts (https, localhost): on a plain-http LAN address navigator.locks is
 * missing, and a localStorage lease (lease-lock.js) stands in for it, so two
 * tabs never refresh in the same instant and trip reuse detection.
 * @param {Parameters<typeof createLeaseLock>[0]} [leaseOptions] for the lease lock, if it is used
 * @returns {Locks | null}
 */
export function defaultLocks(leaseOptions) {
  return (
    globalThis.navigator?.locks ?? (usableLocalStorage() ? createLeaseLock(leaseOptions) : null)
  );
}

// #region cross-tab
/**
 * Emits `lock` events: `{ state: 'degraded', reason, error? }` each time a
 * refresh runs without the cross-tab lock or the lock hit a storage error,
 * and `{ state: 'ok' }` at the next refresh that gets the lock again. reason:
 * 'timeout' (another tab held it for lockTimeoutMs), 'acquire' (the lock was
 * refused: `error` says why, e.g. a QuotaExceededError from localStorage),
 * 'renew' or 'release' (the lease lock could not write or remove its lease).
 * @param {{ getSession(): Session | null, setSession(next: Session | null, reason: string): void,
 *   readCsrfToken(): string | null, on(type: string, listener: (event: any) => void): () => void,
 *   emit?(type: string, fields: Record<string, any>): void,
 *   locks?: Locks | null, BroadcastChannel?: typeof BroadcastChannel | null,
 *   channelName?: string, lockName?: string, lockTimeoutMs: number,
 *   clock: { now(): number, setTimeout(fn: () => void, ms: number): any,
 *     clearTimeout(id: any): void } }} options
 */
export function coordinateTabs({
  getSession,
  setSession,
  readCsrfToken,
  on,
  emit = () => {},
  locks: chosenLocks,
  BroadcastChannel: Channel = globalThis.BroadcastChannel ?? null,
  channelName = 'silent-refresh',
  lockName = 'silent-refresh:refresh',
  lockTimeoutMs,
  clock,
}) {
  let lockDegraded = false;
  /** @param {'ok' | 'degraded'} state @param {Record<string, any>} [fields] */
  function reportLock(state, fields = {}) {
    lockDegraded = state === 'degraded';
    emit('lock', { state, ...fields });
  }
  const locks =
    chosenLocks === undefined
      ? defaultLocks({
          clock,
          onError: (error, step) => reportLock('degraded', { reason: step, error }),
        })
      : chosenLocks;
  /** @type {BroadcastChannel | null} */
  let channel = null;
  try {
    channel = Channel ? new Channel(channelName) : null;
  } catch {
    channel = null; // e.g. an opaque origin: carry on as a single tab
  }
  if (channel) channel.onmessage = (event) => onTabMessage(event.data);
  /** @type {Set<(session: Session) => void>} */
  const sharedSessionWaiters = new Set();
  let applyingMessage = false; // a change another tab told us about is not news to tell back

  // Tell the other tabs about tokens they can use, and about logout.
  const SHARED = new Set(['login', 'reauth', 'refresh', 'restore']);
  const off = on('session', ({ session, reason }) => {
    if (applyingMessage) return;
    if (session && SHARED.has(reason)) broadcast({ type: 'session', session, reason });
    else if (!session && reason === 'logout') broadcast({ type: 'logout' });
  });

  /** @param {object} message */
  function broadcast(message) {
    try {
      channel?.postMessage(message);
    } catch {
      /* closed channel: nobody to tell */
    }
  }

  /** @param {any} message */
  function onTabMessage(message) {
    const session = getSession();
    applyingMessage = true;
    try {
      if (message?.type === 'logout') {
        setSession(null, 'logout');
      } else if (message?.type === 'session' && typeof message.session?.accessToken === 'string') {
        const incoming = /** @type {Session} */ (message.session);
        // Messages from several tabs may cross: keep whichever token lives longest.
        const newer =
          !session || (incoming.accessTokenExpiresAt ?? 0) >= (session.accessTokenExpiresAt ?? 0);
        if (!newer || incoming.accessToken === session?.accessToken) return;
        // A refresh continues our session; a login or re-authentication starts another one.
        const sameLogin = session && !['login', 'reauth'].includes(message.reason);
        setSession(
          sameLogin ? { ...incoming, sessionId: session.sessionId } : incoming,
          'other-tab',
        );
        for (const resolve of [...sharedSessionWaiters]) resolve(incoming);
      }
    } finally {
      applyingMessage = false;
    }
  }

  /** Resolves with the next session another tab sends us, or null after `ms`. @param {number} ms */
  function nextSharedSession(ms) {
    return new Promise((resolve) => {
      const done = (/** @type {Session | null} */ shared) => {
        clock.clearTimeout(timer);
        sharedSessionWaiters.delete(done);
        resolve(shared);
      };
      const timer = clock.setTimeout(() => done(null), ms);
      sharedSessionWaiters.add(done);
    });
  }

  /**
   * The core's `coordinate` hook: run the refresh while holding the tabs'
   * lock, unless another tab did it while we waited.
   * @param {() => Promise<Session>} run
   * @returns {Promise<Session>}
   */
  async function coordinate(run) {
    if (!locks) return run();
    const tokenBefore = getSession()?.accessToken ?? null;
    const csrfBefore = readCsrfToken();
    const controller = new AbortController();
    let granted = false,
      timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, lockTimeoutMs);
    try {
      return await locks.request(lockName, { signal: controller.signal }, async () => {
        granted = true;
        clock.clearTimeout(timer);
        if (lockDegraded) reportLock('ok');
        // Re-check once inside the lock: did another tab refresh while we waited?
        const session = getSession();
        if (session && session.accessToken !== tokenBefore) return session;
        // Its token may still be on the way: the shared cookie jar already
        // shows the rotation (a new CSRF cookie), the BroadcastChannel message
        // can arrive a moment later. Wait briefly for it before refreshing.
        if (channel && csrfBefore && readCsrfToken() !== csrfBefore) {
          const shared = await nextSharedSession(SHARED_TOKEN_GRACE_MS);
          if (shared) return shared;
        }
        return run();
      });
    } catch (error) {
      if (granted) throw error; // the refresh itself failed
      // We never got the lock: we waited lockTimeoutMs (the tab holding it is
      // frozen or gone), or the lock was refused (a sandboxed frame, a full
      // localStorage under the lease lock). Refreshing without it beats
      // blocking or failing. The next refresh tries the lock again.
      reportLock('degraded', timedOut ? { reason: 'timeout' } : { reason: 'acquire', error });
      return run();
    } finally {
      clock.clearTimeout(timer);
    }
  }
  // #endregion

  return {
    coordinate,
    /** Close the channel and stop listening. */
    destroy() {
      off();
      channel?.close();
      channel = null;
    },
  };
}
