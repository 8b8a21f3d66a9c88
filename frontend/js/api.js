// @ts-check
/**
 * api.js: a small fetch client that keeps a short-lived access token fresh
 * ("silent refresh"). No dependencies: copy this one file into your app.
 *
 * The design, in the order a request meets it:
 *
 * - The access token lives in this module's memory only (never localStorage).
 *   The refresh token is an HttpOnly cookie we cannot read; the server checks
 *   it on /auth/refresh, together with an X-CSRF-TOKEN header whose value we
 *   copy from the readable `csrf_refresh_token` cookie.
 * - Every call runs the request interceptors in order (the first one, added
 *   by the client itself, attaches `Authorization: Bearer <access>`), then
 *   fetch, then the response interceptors in order. Like axios, minus magic.
 * - A 401 from an API call starts ONE refresh. Everybody who gets a 401, or
 *   sends a request, while it runs waits on that same promise ("single
 *   flight"), then is replayed once with the new token. If the refresh fails,
 *   every waiter gets the same clear error and the session ends. Nobody hangs.
 * - The refresh call itself is a plain fetch, outside the interceptors: the
 *   classic code sends it through the same interceptor, so a failing refresh
 *   waits for itself and every queued request hangs for good.
 * - Shortly before the token expires, a timer refreshes it proactively, so a
 *   busy session normally never sees a 401. Same single flight.
 * - Tabs share the refresh cookie, so they coordinate: one refresh at a time
 *   (Web Locks), the new token handed to the others (BroadcastChannel).
 *
 * Read it top to bottom; the `#region` names match the chapters in docs/.
 */

import { createLeaseLock, usableLocalStorage } from './lease-lock.js';

/** Largest proactive margin: refresh at most a minute before expiry. */
const MAX_REFRESH_MARGIN_MS = 60_000;
/** Tokens living less than this are not refreshed proactively (the 401 path still works). */
const MIN_PROACTIVE_LIFETIME_MS = 1_000;
/** Inside the lock, how long to wait for a token another tab is already sending us. */
const SHARED_TOKEN_GRACE_MS = 1_000;

/**
 * @typedef {{ id: number | string, username: string }} User
 * @typedef {{ user: User | null, accessToken: string, accessTokenExpiresAt: number | null }} Session
 *   accessTokenExpiresAt: ms since the epoch, on this machine's clock.
 * @typedef {{ method?: string, path?: string, url?: string, data?: unknown,
 *   headers?: HeadersInit }} RequestInput
 *   What you pass to request(): axios-like; `url` is an alias of `path`.
 * @typedef {{ method: string, path: string, data: unknown, headers: Headers,
 *   requestId: number }} RequestConfig
 *   What request interceptors receive (and must return): a fresh copy on every trip.
 * @typedef {{ status: number, data: any, headers: Headers, requestId?: number,
 *   config?: RequestConfig }} ApiResponse
 *   What response interceptors receive; request() resolves with its `data`.
 * @typedef {{ onFulfilled?: (value: any) => any, onRejected?: (error: any) => any }} Handler
 * @typedef {{ use(onFulfilled?: Handler['onFulfilled'], onRejected?: Handler['onRejected']): number,
 *   eject(id: number): void }} InterceptorChain
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any,
 *   clearTimeout(id: any): void }} Clock
 * @typedef {{ requestId: number, method: string, path: string }} RequestMeta
 *   What every request event carries.
 * @typedef {{ type: string, time: number, [field: string]: any }} ApiEvent
 *   Request events: request, unauthorized, queued, replay, done, error
 *     { requestId, method, path, status?, code?, error?, refreshId? (queued), reason? (replay) }
 *   Refresh events: refresh-start { refreshId, reason: 'reactive'|'proactive'|'restore' },
 *     refresh-end { refreshId, ok, source: 'server'|'other-tab', error? }
 *   session { session, reason } whenever the session changes.
 * @typedef {{ on(type: string, listener: (event: ApiEvent) => void): () => void,
 *   emit(type: string, fields?: Record<string, any>): void }} Emitter
 */

/**
 * Every failure this client reports. `status` is the HTTP status (0 when no
 * answer came back); `code` is the server's `error` field, or one of
 * 'network_error', 'timeout', 'session_expired' (the refresh failed: see
 * `cause` for why, e.g. cause.code === 'token_reused'), 'http_error'
 * (an error without a JSON body), 'bad_response'.
 */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, code?: string, requestId?: number, data?: unknown, cause?: unknown }} [details]
   */
  constructor(message, { status = 0, code = 'http_error', requestId, data, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** @type {number | undefined} */
    this.requestId = requestId;
    /** The parsed error body, if any. */
    this.data = data;
  }
}

/** Where a client keeps its session machinery for adapters (see frontend/js/axios.js). */
export const SESSION_CORE = Symbol('silent-refresh session core');

// The plumbing below (events, interceptor chains) is generic: createApiClient
// uses it, and so does naive.js, so the two clients differ only where it matters.

// #region events
/**
 * A tiny event emitter. `on` subscribes to one event type, or '*' for all,
 * and returns the unsubscribe function; `emit` stamps the event with a time
 * and calls the listeners.
 * @param {string} [owner] named in the console when a listener throws
 * @returns {Emitter}
 */
export function createEmitter(owner = 'api.js') {
  /** @type {Map<string, Set<(event: ApiEvent) => void>>} */
  const listeners = new Map();

  /** Subscribe to one event type, or '*' for all. Returns the unsubscribe function. */
  function on(/** @type {string} */ type, /** @type {(event: ApiEvent) => void} */ listener) {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type)?.add(listener);
    return () => void listeners.get(type)?.delete(listener);
  }

  function emit(/** @type {string} */ type, /** @type {Record<string, any>} */ fields = {}) {
    const event = { type, time: performance.now(), ...fields };
    for (const listener of [...(listeners.get(type) ?? []), ...(listeners.get('*') ?? [])]) {
      // A broken listener (say, the demo's timeline) must never break a request.
      try { listener(event); } catch (error) { console.error(`${owner}: event listener failed`, error); }
    }
  }
  return { on, emit };
}
// #endregion

// #region interceptors
/**
 * An axios-style interceptor chain: `use` adds a pair of handlers and returns
 * its id, `eject(id)` removes it. Run it with runInterceptors.
 * @returns {InterceptorChain & { handlers: Array<Handler | null> }}
 */
export function createInterceptorChain() {
  /** @type {Array<Handler | null>} */
  const handlers = [];
  return {
    handlers,
    use(onFulfilled, onRejected) {
      handlers.push({ onFulfilled, onRejected });
      return handlers.length - 1;
    },
    eject(id) {
      handlers[id] = null;
    },
  };
}

/**
 * Run handlers in the order they were added (axios runs request interceptors
 * in reverse; we don't). A throw switches to the onRejected track, an
 * onRejected that returns switches back: a promise chain, written as a loop.
 * @param {Array<Handler | null>} handlers
 * @param {any} value
 * @param {boolean} failed
 */
export async function runInterceptors(handlers, value, failed) {
  for (const handler of handlers) {
    const step = failed ? handler?.onRejected : handler?.onFulfilled;
    if (!step) continue;
    try {
      value = await step(value);
      failed = false;
    } catch (error) {
      value = error;
      failed = true;
    }
  }
  if (failed) throw value;
  return value;
}
// #endregion

/**
 * @param {object} [options]
 * @param {string} [options.baseURL] e.g. 'http://127.0.0.1:5001'
 * @param {(error: ApiError) => void} [options.onSessionExpired] called once each time the
 *   session ends because a refresh failed; error.code is 'session_expired', error.cause says why.
 * @param {typeof fetch} [options.fetch] injectable for tests
 * @param {boolean} [options.proactiveRefresh] refresh shortly before expiry (default true)
 * @param {number} [options.refreshMarginMs] how long before expiry; default: a fifth of the
 *   token's lifetime, at most a minute. Never more than half the lifetime, whatever you pass.
 * @param {number} [options.refreshTimeoutMs] give up on /auth/refresh after this (default 10 s)
 * @param {number} [options.lockTimeoutMs] stop waiting for another tab's refresh lock after this
 *   (default 1.5 × refreshTimeoutMs) and refresh anyway: a frozen tab must not block us for good
 * @param {() => string | null} [options.readCsrfToken] default: the `csrf_refresh_token` cookie
 * @param {string} [options.channelName] BroadcastChannel name (default 'silent-refresh')
 * @param {string} [options.lockName] Web Lock name (default 'silent-refresh:refresh')
 * @param {Pick<LockManager, 'request'> | null} [options.locks] test seam; default navigator.locks,
 *   or on plain-http pages (Web Locks exist only in secure contexts) a localStorage lease
 *   (lease-lock.js); null to disable
 * @param {typeof BroadcastChannel | null} [options.BroadcastChannel] test seam; null to disable
 * @param {Document | null} [options.document] test seam for visibility and cookies
 * @param {Clock} [options.clock] test seam for timers and Date.now()
 */
export function createApiClient(options = {}) {
  const {
    baseURL = '',
    onSessionExpired = () => {},
    fetch: fetchImpl = (input, init) => globalThis.fetch(input, init),
    refreshMarginMs,
    refreshTimeoutMs = 10_000,
    channelName = 'silent-refresh',
    lockName = 'silent-refresh:refresh',
    // Web Locks when the page has them; on plain http (no secure context) the
    // localStorage lease of lease-lock.js; with neither, tabs refresh on their own.
    locks = globalThis.navigator?.locks ?? (usableLocalStorage() ? createLeaseLock() : null),
    BroadcastChannel: Channel = globalThis.BroadcastChannel ?? null,
    document: doc = globalThis.document ?? null,
    clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id),
    },
  } = options;
  const lockTimeoutMs = options.lockTimeoutMs ?? refreshTimeoutMs * 1.5;
  const readCsrf = options.readCsrfToken ?? (() => readCookie(doc, 'csrf_refresh_token'));
  let proactive = options.proactiveRefresh ?? true;

  /** @type {Session | null} */
  let session = null;
  /** Lifetime of the current access token, measured when it arrived (for the proactive margin). */
  let lifetimeMs = 0;
  /** @type {Promise<Session> | null} The single refresh in flight, shared by everybody. */
  let refreshPromise = null;
  let currentRefreshId = 0;
  let lastRequestId = 0;
  /** @type {string | null} CSRF value of a refresh cookie the server refused: don't try it again. */
  let refusedCsrf = null;

  const { on, emit } = createEmitter();

  // #region session
  /** A copy, so nobody can change our state behind our back. */
  function getSession() {
    return session && { ...session };
  }

  /**
   * The one place the session changes.
   * @param {Session | null} next
   * @param {string} reason login | refresh | restore | other-tab | set-token | logout | expired
   * @param {boolean} [share] tell the other tabs (only for tokens they can use, and logout)
   */
  function setSession(next, reason, share = false) {
    if (next === null && session === null) return;
    if (next && next.accessTokenExpiresAt !== session?.accessTokenExpiresAt) {
      lifetimeMs = (next.accessTokenExpiresAt ?? 0) - clock.now();
    }
    session = next;
    if (share) broadcast(next ? { type: 'session', session: next } : { type: 'logout' });
    scheduleProactiveRefresh();
    emit('session', { session: getSession(), reason });
  }

  // A token response from login or refresh becomes a Session in
  // sessionFromTokenResponse, near the end of this file.

  /** Can there be a refresh cookie worth trying? Only if its readable CSRF twin exists. */
  function mayHaveRefreshCookie() {
    const csrf = readCsrf();
    return Boolean(csrf) && csrf !== refusedCsrf;
  }
  // #endregion

  // The two interceptor chains (see createInterceptorChain, above).
  const requestChain = createInterceptorChain();
  const responseChain = createInterceptorChain();

  // #region attach-token
  /**
   * Request interceptor #0, installed by the client itself: put the current
   * access token on the call. It runs again on a replay, so a replayed
   * request carries the new token.
   * @param {RequestConfig} config
   */
  function attachToken(config) {
    if (session?.accessToken) config.headers.set('Authorization', `Bearer ${session.accessToken}`);
    return config;
  }
  requestChain.use(attachToken);
  // #endregion

  // #region fetch
  /** @param {string} path */
  function urlFor(path) {
    return /^https?:\/\//.test(path) ? path : baseURL.replace(/\/$/, '') + path;
  }

  /**
   * fetch, read the JSON body, turn every failure into an ApiError.
   * @param {string} path
   * @param {RequestInit} init
   * @param {{ requestId?: number, timeoutMs?: number }} [extra]
   * @returns {Promise<ApiResponse>}
   */
  async function callFetch(path, init, { requestId, timeoutMs } = {}) {
    const controller = timeoutMs ? new AbortController() : null;
    const timer = controller ? clock.setTimeout(() => controller.abort(), /** @type {number} */ (timeoutMs)) : null;
    try {
      const res = await fetchImpl(urlFor(path), controller ? { ...init, signal: controller.signal } : init);
      return toApiResponse(res, await res.text(), path, requestId);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (controller?.signal.aborted) {
        throw new ApiError(`No answer from ${path} within ${timeoutMs} ms`, { code: 'timeout', requestId, cause: error });
      }
      throw new ApiError(`Network error: ${path} could not be reached`, { code: 'network_error', requestId, cause: error });
    } finally {
      if (timer !== null) clock.clearTimeout(timer);
    }
  }

  /** @param {string} path @param {string | null} [csrf] @param {unknown} [body] */
  function authPost(path, csrf, body, timeoutMs = 0) {
    return callFetch(path, authPostInit(csrf, body), { timeoutMs });
  }

  /**
   * One trip: request interceptors on a fresh copy of the config, then fetch.
   * Never throws for HTTP or network errors: it reports which token was
   * actually sent, because that decides what a 401 means.
   * @param {RequestConfig} config
   * @returns {Promise<{ token: string | null, response?: ApiResponse, error?: unknown }>}
   */
  async function send(config) {
    /** @type {RequestConfig} */
    const trip = await runInterceptors(requestChain.handlers, { ...config, headers: new Headers(config.headers) }, false);
    const auth = trip.headers.get('Authorization');
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
    try {
      const response = await callFetch(trip.path, fetchInit(trip), { requestId: trip.requestId });
      return { token, response: { ...response, config: trip } };
    } catch (error) {
      return { token, error };
    }
  }
  // #endregion

  // #region queue-and-replay
  /**
   * One call as the app sees it: send it; on a 401, get a fresh token (one
   * refresh shared by everybody) and replay it, once.
   * @param {RequestConfig} config
   * @param {{ requestId: number, method: string, path: string }} meta for events
   * @returns {Promise<ApiResponse>}
   */
  async function sendWithRefresh(config, meta) {
    // Set once this request has waited for a refresh: its next 401 is final.
    let refreshed = false;
    // Sent while a refresh runs? Wait for it rather than go out with the old token.
    if (refreshPromise) {
      await waitForRefresh(refreshPromise, meta);
      refreshed = true;
    }
    const first = await send(config);
    if (!isUnauthorized(first.error) || isAuthPath(config.path)) return unwrap(first);
    emit('unauthorized', { ...meta, status: 401, code: first.error.code });
    // A 401 for a token we just got: replaying again could only loop.
    if (refreshed) return unwrap(first);

    let reason = 'refreshed';
    if (refreshPromise) {
      await waitForRefresh(refreshPromise, meta); // a refresh is running: join it
    } else if (isStale(first.token)) {
      reason = 'stale'; // somebody already refreshed while we were in flight
    } else if (!session && !mayHaveRefreshCookie()) {
      return unwrap(first); // nobody is logged in: nothing to refresh
    } else {
      await waitForRefresh(startRefresh('reactive'), meta); // the first 401 starts the one refresh
    }
    emit('replay', { ...meta, reason });
    return unwrap(await send(config));
  }

  /** @returns {error is ApiError} */
  function isUnauthorized(/** @type {unknown} */ error) {
    return error instanceof ApiError && error.status === 401;
  }

  /** @param {{ response?: ApiResponse, error?: unknown }} attempt */
  function unwrap(attempt) {
    if (attempt.error !== undefined) throw attempt.error;
    return /** @type {ApiResponse} */ (attempt.response);
  }
  // #endregion

  // #region stale-401
  /**
   * A 401 for a request sent with an older token than the one we hold now is
   * stale: the refresh already happened (another request, the proactive
   * timer, another tab) while it was in flight. Replay it; don't refresh again.
   * @param {string | null} sentToken
   */
  function isStale(sentToken) {
    return session !== null && sentToken !== session.accessToken;
  }
  // #endregion

  // #region refresh-single-flight
  /**
   * Start a refresh, or join the one already running. The promise is cleared
   * in `finally`, so a failure can never leave a "refreshing" flag stuck.
   * @param {'reactive' | 'proactive' | 'restore'} reason
   */
  function startRefresh(reason) {
    if (!refreshPromise) {
      currentRefreshId += 1;
      refreshPromise = refreshSession(currentRefreshId, reason).finally(() => { refreshPromise = null; });
    }
    return refreshPromise;
  }

  /**
   * @param {number} refreshId
   * @param {'reactive' | 'proactive' | 'restore'} reason
   * @returns {Promise<Session>}
   */
  async function refreshSession(refreshId, reason) {
    emit('refresh-start', { refreshId, reason });
    try {
      const { session: next, source } = await refreshWithLock(reason);
      emit('refresh-end', { refreshId, ok: true, source });
      return next;
    } catch (error) {
      emit('refresh-end', { refreshId, ok: false, source: 'server', error });
      endSession(error, reason);
      throw error;
    }
  }

  /**
   * The refresh itself: a plain fetch, outside the interceptor chains.
   * @param {string} reason
   */
  async function refreshFromServer(reason) {
    const csrf = readCsrf();
    try {
      const { data } = await authPost('/auth/refresh', csrf, undefined, refreshTimeoutMs);
      const next = sessionFromTokenResponse(data, clock.now());
      setSession(next, reason === 'restore' ? 'restore' : 'refresh', true);
      return next;
    } catch (error) {
      if (isUnauthorized(error)) refusedCsrf = csrf;
      throw error;
    }
  }
  // #endregion

  // #region refresh-failure
  /**
   * The refresh failed (401, network error or timeout): the session is over.
   * Done once, here, not once per waiting request.
   * @param {unknown} cause
   * @param {string} reason
   */
  function endSession(cause, reason) {
    setSession(null, 'expired');
    // On page load (restore) "no session" is an answer, not news.
    if (reason === 'restore') return;
    try { onSessionExpired(sessionExpired(cause)); } catch (error) { console.error('api.js: onSessionExpired failed', error); }
  }

  /** The one clear error every waiting request gets. @param {unknown} cause @param {number} [requestId] */
  function sessionExpired(cause, requestId) {
    return new ApiError('Your session has expired: please log in again', { status: 401, code: 'session_expired', requestId, cause });
  }

  /**
   * Wait for the shared refresh. Its failure becomes this request's
   * session_expired error: rejected, never left hanging.
   * @param {Promise<Session>} refresh
   * @param {{ requestId: number, method: string, path: string }} meta
   */
  async function waitForRefresh(refresh, meta) {
    emit('queued', { ...meta, refreshId: currentRefreshId });
    try {
      await refresh;
    } catch (cause) {
      throw sessionExpired(cause, meta.requestId);
    }
  }
  // #endregion

  // #region cross-tab
  // Tabs of one site share one cookie jar, hence one refresh token. With
  // rotation and reuse detection, two tabs refreshing at once present the same
  // token twice, and the server revokes the session: the user is logged out
  // for having two tabs open. So one tab refreshes at a time (Web Locks) and
  // hands its new access token to the others (BroadcastChannel; same origin
  // only, and the token stays in memory). Both are feature-detected. Without
  // Web Locks (plain http on a LAN address: not a secure context) each tab
  // refreshes on its own; that works, but two tabs refreshing in the same
  // instant can trip reuse detection. Use https or localhost for many tabs.
  /** @type {BroadcastChannel | null} */
  let channel = null;
  try {
    channel = Channel ? new Channel(channelName) : null;
  } catch {
    channel = null; // e.g. an opaque origin: carry on as a single tab
  }
  if (channel) channel.onmessage = (event) => onTabMessage(event.data);

  /** @type {Set<(session: Session | null) => void>} */
  const sharedSessionWaiters = new Set();

  /** @param {object} message */
  function broadcast(message) {
    try { channel?.postMessage(message); } catch { /* closed channel: nobody to tell */ }
  }

  /** @param {any} message */
  function onTabMessage(message) {
    if (message?.type === 'logout') {
      setSession(null, 'logout');
    } else if (message?.type === 'session' && typeof message.session?.accessToken === 'string') {
      const incoming = /** @type {Session} */ (message.session);
      // Messages from several tabs may cross: keep whichever token lives longest.
      const newer = !session || (incoming.accessTokenExpiresAt ?? 0) >= (session.accessTokenExpiresAt ?? 0);
      if (!newer || incoming.accessToken === session?.accessToken) return;
      setSession(incoming, 'other-tab');
      for (const resolve of [...sharedSessionWaiters]) resolve(incoming);
    }
  }

  /** Resolves with the next session another tab sends us, or null after `ms`. */
  function nextSharedSession(/** @type {number} */ ms) {
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
   * Refresh while holding the tabs' lock, if there is one.
   * @param {string} reason
   * @returns {Promise<{ session: Session, source: 'server' | 'other-tab' }>}
   */
  async function refreshWithLock(reason) {
    const fromServer = async () => ({ session: await refreshFromServer(reason), source: /** @type {const} */ ('server') });
    if (!locks) return fromServer();

    const tokenBefore = session?.accessToken ?? null;
    const csrfBefore = readCsrf();
    const controller = new AbortController();
    const timer = clock.setTimeout(() => controller.abort(), lockTimeoutMs);
    let granted = false;
    try {
      return await locks.request(lockName, { signal: controller.signal }, async () => {
        granted = true;
        clock.clearTimeout(timer);
        // Re-check once inside the lock: did another tab refresh while we waited?
        if (session && session.accessToken !== tokenBefore) return { session, source: 'other-tab' };
        // Its token may still be on the way: the shared cookie jar already
        // shows the rotation (a new CSRF cookie), the BroadcastChannel message
        // can arrive a moment later. Wait briefly for it before refreshing.
        if (channel && csrfBefore && readCsrf() !== csrfBefore) {
          const shared = await nextSharedSession(SHARED_TOKEN_GRACE_MS);
          if (shared) return { session: shared, source: 'other-tab' };
        }
        return fromServer();
      });
    } catch (error) {
      if (granted) throw error; // the refresh itself failed
      // We never got the lock: we waited lockTimeoutMs (the tab holding it is
      // frozen or gone), or the browser refused (a sandboxed frame). Refreshing
      // without it beats blocking or failing.
      return fromServer();
    } finally {
      clock.clearTimeout(timer);
    }
  }
  // #endregion

  // #region proactive-refresh
  /** @type {any} */
  let proactiveTimer = null;
  let destroyed = false;

  /**
   * Margin before expiry: a fifth of the token's life, at most a minute, and
   * never more than half of it. A 15-minute token refreshes a minute early, a
   * 20-second one 4 s early, a 3-second one 0.6 s early: each token serves at
   * least half its life, so short lifetimes can never cause a refresh storm.
   */
  function refreshMargin() {
    const margin = refreshMarginMs ?? Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 5);
    return Math.min(margin, lifetimeMs / 2);
  }

  function scheduleProactiveRefresh() {
    clock.clearTimeout(proactiveTimer);
    proactiveTimer = null;
    if (!proactive || destroyed || !session?.accessTokenExpiresAt) return;
    if (lifetimeMs < MIN_PROACTIVE_LIFETIME_MS) return;
    // Hidden tabs wait: browsers throttle their timers anyway, and a tab
    // nobody looks at needn't keep a session warm. visibilitychange resumes.
    if (doc?.visibilityState === 'hidden') return;
    const delay = Math.max(0, session.accessTokenExpiresAt - refreshMargin() - clock.now());
    proactiveTimer = clock.setTimeout(() => {
      proactiveTimer = null;
      // Same single flight as the 401 path. A failure has already ended the
      // session and told the app; nothing else to do here.
      startRefresh('proactive').catch(() => {});
    }, delay);
  }

  const onVisibilityChange = () => scheduleProactiveRefresh();
  doc?.addEventListener?.('visibilitychange', onVisibilityChange);

  /** Turn proactive refresh on or off (the demo shows the 401 path with it off). */
  function setProactiveRefresh(/** @type {boolean} */ enabled) {
    proactive = Boolean(enabled);
    scheduleProactiveRefresh();
  }
  // #endregion

  /** On page load: a session from the refresh cookie, or null (see restoreSession). */
  function restore() {
    return restoreSession({ getSession, mayHaveRefreshCookie, refresh: () => startRefresh('restore') });
  }

  /** Log in; resolves to the user. Sets the refresh cookie and starts the session. */
  async function login(/** @type {string} */ username, /** @type {string} */ password) {
    // A rotation still in flight would land after us and overwrite this login.
    await refreshPromise?.catch(() => {});
    const { data } = await authPost('/auth/login', null, { username, password });
    const next = sessionFromTokenResponse(data, clock.now());
    setSession(next, 'login', true);
    return next.user;
  }

  /**
   * Log out everywhere: the server revokes the token family and clears the
   * cookies; this tab and the others forget the access token. The local
   * session is cleared even if the server can't be reached (then we throw,
   * because the refresh token may still be alive).
   */
  async function logout() {
    await refreshPromise?.catch(() => {}); // revoke the newest token, not the one being rotated
    try {
      await authPost('/auth/logout', readCsrf());
    } finally {
      refusedCsrf = null;
      setSession(null, 'logout', true);
    }
  }

  /**
   * Replace the access token in memory: the demo's way to corrupt or expire it
   * on purpose, as blog posts do by hand in DevTools. Not for real apps.
   */
  function setAccessToken(/** @type {string} */ token) {
    const base = session ?? { user: null, accessTokenExpiresAt: null };
    setSession({ ...base, accessToken: token }, 'set-token');
  }

  /** Stop background work (timer, tab channel, visibility listener), e.g. before creating another client. */
  function destroy() {
    destroyed = true;
    scheduleProactiveRefresh(); // clears the timer
    doc?.removeEventListener?.('visibilitychange', onVisibilityChange);
    channel?.close();
    channel = null;
  }

  /**
   * axios-like request. Resolves with the parsed JSON body; throws ApiError.
   * @param {RequestInput} input
   */
  function request(input) {
    return runRequest(input, ++lastRequestId, { emit, responseChain, deliver: sendWithRefresh });
  }

  return {
    restore,
    login,
    logout,
    ...requestApi({ request, on, requestChain, responseChain }),
    getSession,
    setAccessToken,
    setProactiveRefresh,
    destroy,
    // For adapters that bring their own transport (frontend/js/axios.js): the
    // session and refresh machinery above, to reuse instead of copying it.
    // A symbol key: not part of the app-facing API (Object.keys skips it).
    [SESSION_CORE]: {
      nextRequestId: () => ++lastRequestId,
      emit,
      isStale,
      mayHaveRefreshCookie,
      refreshing: () => refreshPromise,
      refresh: () => startRefresh('reactive'),
      waitForRefresh,
    },
  };
}

/**
 * Read one cookie. Only the non-HttpOnly ones are visible here: that is the
 * point of the CSRF double-submit cookie, and why the refresh token is not.
 * @param {Document | null} doc
 * @param {string} name
 */
export function readCookie(doc, name) {
  for (const pair of (doc?.cookie ?? '').split(/;\s*/)) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === name) return decodeURIComponent(pair.slice(eq + 1));
  }
  return null;
}

/** JSON if it parses, the raw text if not (an HTML error page), null if empty. */
function parseBody(/** @type {string} */ text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A token response ({ access_token, expires_in, access_token_expires_at, user })
 * as a Session. Throws ApiError('bad_response') when it holds no access token.
 * @param {any} body
 * @param {number} now this machine's clock, ms since the epoch
 * @returns {Session}
 */
export function sessionFromTokenResponse(body, now) {
  if (typeof body?.access_token !== 'string' || !body.access_token) {
    throw new ApiError('The server answered without an access token', { status: 200, code: 'bad_response' });
  }
  // Prefer the relative expires_in: the server's clock and ours may disagree
  // by minutes, a duration does not. The ISO date is the fallback.
  const expiresAt = typeof body.expires_in === 'number'
    ? now + body.expires_in * 1000
    : Date.parse(body.access_token_expires_at) || null;
  return { user: body.user ?? null, accessToken: body.access_token, accessTokenExpiresAt: expiresAt };
}

// #region restore
/**
 * On page load: get a session from the refresh cookie, or null. Only asks
 * the server when the readable CSRF cookie says there may be a session, so
 * a first visit makes no doomed request. A 4xx means "not logged in"
 * (null); a network error or 5xx is thrown, since we could not find out.
 * @param {{ getSession(): Session | null, mayHaveRefreshCookie(): boolean,
 *   refresh(): Promise<unknown> }} client
 * @returns {Promise<Session | null>}
 */
export async function restoreSession({ getSession, mayHaveRefreshCookie, refresh }) {
  if (getSession()) return getSession();
  if (!mayHaveRefreshCookie()) return null;
  try {
    await refresh();
    return getSession();
  } catch (error) {
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) return null;
    throw error;
  }
}
// #endregion

/** /auth/* belongs to the refresh machinery: its 401s mean "no", never "refresh and retry". */
export function isAuthPath(/** @type {string} */ path) {
  const pathname = /^https?:\/\//.test(path) ? new URL(path).pathname : path;
  return pathname.startsWith('/auth/');
}

/**
 * The fetch options for one trip of an API call: JSON body, and the cookies
 * only for /auth/* (the API is another origin).
 * @param {RequestConfig} trip
 * @returns {RequestInit}
 */
export function fetchInit(trip) {
  /** @type {RequestInit} */
  const init = { method: trip.method, headers: trip.headers };
  if (trip.data !== undefined) {
    if (!trip.headers.has('Content-Type')) trip.headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(trip.data);
  }
  if (isAuthPath(trip.path)) init.credentials = 'include';
  return init;
}

/**
 * The fetch options for a POST to /auth/* (login, refresh, logout).
 * @param {string | null | undefined} csrf the X-CSRF-TOKEN header, if any
 * @param {unknown} [body] sent as JSON
 * @returns {RequestInit}
 */
export function authPostInit(csrf, body) {
  const headers = new Headers({ 'Content-Type': 'application/json' });
  if (csrf) headers.set('X-CSRF-TOKEN', csrf);
  // credentials: 'include' because the API is another origin (port 5001)
  // and the refresh cookie must travel with these calls, and only these.
  return { method: 'POST', headers, credentials: 'include',
    body: body === undefined ? undefined : JSON.stringify(body) };
}

/**
 * A fetch Response and its body text, as an ApiResponse; an HTTP error
 * status as an ApiError carrying the server's `error` code and message.
 * @param {Response} res
 * @param {string} text
 * @param {string} path for the error message
 * @param {number} [requestId]
 * @returns {ApiResponse}
 */
export function toApiResponse(res, text, path, requestId) {
  const data = parseBody(text);
  if (!res.ok) {
    const body = data && typeof data === 'object' ? data : {};
    throw new ApiError(body.message || `HTTP ${res.status} from ${path}`, {
      status: res.status, code: body.error || 'http_error', data, requestId,
    });
  }
  return { status: res.status, data, headers: res.headers, requestId };
}

/**
 * What request() does around the refresh strategy, the same in both clients:
 * build the config, emit 'request', let `deliver` send it (and deal with a
 * 401), then run the response interceptors and emit 'done' or 'error'.
 * Resolves with the parsed JSON body; throws ApiError.
 * @param {RequestInput} input
 * @param {number} requestId
 * @param {{ emit: Emitter['emit'], responseChain: { handlers: Array<Handler | null> },
 *   deliver: (config: RequestConfig, meta: RequestMeta) => Promise<ApiResponse> }} parts
 */
export async function runRequest(input, requestId, { emit, responseChain, deliver }) {
  /** @type {RequestConfig} */
  const config = {
    method: (input.method ?? 'GET').toUpperCase(),
    path: input.path ?? input.url ?? '',
    data: input.data,
    headers: new Headers(input.headers),
    requestId,
  };
  const meta = { requestId, method: config.method, path: config.path };
  emit('request', meta);
  /** @type {unknown} */
  let outcome;
  let failed = false;
  try {
    outcome = await deliver(config, meta);
  } catch (error) {
    outcome = error;
    failed = true;
  }
  // Response interceptors see the final outcome only: a 401 that was
  // handled by a refresh and a replay is none of their business.
  try {
    /** @type {ApiResponse} */
    const response = await runInterceptors(responseChain.handlers, outcome, failed);
    emit('done', { ...meta, status: response?.status });
    return response?.data;
  } catch (error) {
    const { status, code } = error instanceof ApiError ? error : { status: undefined, code: undefined };
    emit('error', { ...meta, status, code, error });
    throw error;
  }
}

/**
 * The request half of a client's public API: request() and its axios-like
 * shortcuts get(path, config) and post(path, data, config), on(), and the
 * interceptors (use and eject only, not the handlers array).
 * @param {{ request: (input: RequestInput) => Promise<any>, on: Emitter['on'],
 *   requestChain: InterceptorChain, responseChain: InterceptorChain }} parts
 */
export function requestApi({ request, on, requestChain, responseChain }) {
  return {
    request,
    get: (/** @type {string} */ path, /** @type {RequestInput} */ config = {}) => request({ ...config, method: 'GET', path }),
    post: (/** @type {string} */ path, /** @type {unknown} */ data, /** @type {RequestInput} */ config = {}) =>
      request({ ...config, method: 'POST', path, data }),
    on,
    interceptors: {
      request: { use: requestChain.use, eject: requestChain.eject },
      response: { use: responseChain.use, eject: responseChain.eject },
    },
  };
}
