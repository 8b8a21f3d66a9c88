// @ts-check
// silent-refresh.js, the file to copy: a fetch client that keeps a short-lived access token
// fresh, for one tab, with no imports. In the order the guide teaches: the session in memory →
// attach the token → send → the 401 policy → one shared refresh → replay once. api.js plugs
// the extras into its hooks; the axios adapter takes the same policy steps.

/**
 * @typedef {{ id: number | string, username: string }} User
 * @typedef {{ user: User | null, accessToken: string, accessTokenExpiresAt: number | null,
 *   sessionId: string }} Session sessionId: which login it is; a refresh keeps it
 * @typedef {{ method?: string, path?: string, url?: string, data?: unknown,
 *   headers?: HeadersInit }} RequestInput
 * @typedef {{ requestId: number, method: string, path: string }} RequestMeta
 * @typedef {RequestMeta & { data: unknown, headers: Headers }} RequestConfig
 * @typedef {{ status: number, data: any, headers: Headers, requestId?: number,
 *   config?: RequestConfig }} ApiResponse
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any,
 *   clearTimeout(id: any): void }} Clock
 */

/**
 * Every failure. `status` is 0 when no answer came. `code` is the server's `error`, or ours:
 * network_error, timeout, session_expired (the server refused the refresh; `cause` says why),
 * refresh_unavailable (no refresh for now, still logged in: `retryable` after `retryAfterMs`),
 * session_changed (a 401 for a session that has ended since: never replayed in the next one),
 * reauth_cancelled, other_origin, http_error, bad_response. `config`: the request as sent.
 */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, code?: string, requestId?: number, data?: unknown, cause?: unknown,
   *   retryable?: boolean, retryAfterMs?: number, config?: RequestConfig }} [details]
   */
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ApiError';
    this.status = details.status ?? 0;
    this.code = details.code ?? 'http_error';
    this.requestId = details.requestId;
    this.data = details.data; // the parsed error body, if any
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.config = details.config;
  }
}

/** @type {Clock} real time, unless a test passes a fake clock */
export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** @type {(doc: Document | null, name: string) => string | null} a cookie the page may read */
export function readCookie(doc, name) {
  const pair = (doc?.cookie ?? '').split(/;\s*/).find((p) => p.startsWith(`${name}=`));
  return pair === undefined ? null : decodeURIComponent(pair.slice(name.length + 1));
}

/** @param {string} path one of /auth/*, the refresh machinery? Its 401s mean "no". */
export function isAuthPath(path) {
  return new URL(path, 'http://api.invalid').pathname.startsWith('/auth/');
}

// #region fetch
/**
 * fetch, read the JSON body, turn every failure into an ApiError. http.js sends with it too.
 * @param {string} url
 * @param {RequestInit} init
 * @param {{ fetch?: typeof fetch, timeoutMs?: number, config?: RequestConfig,
 *   clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'> }} [extra]
 * @returns {Promise<ApiResponse>}
 */
export async function fetchJson(url, init, extra = {}) {
  const { fetch: fetchImpl = globalThis.fetch, timeoutMs = 0, config, clock = systemClock } = extra;
  const [requestId, controller] = [config?.requestId, new AbortController()];
  const timer = timeoutMs ? clock.setTimeout(() => controller.abort(), timeoutMs) : null;
  const fail = (/** @type {unknown} */ cause) => {
    const timedOut = controller.signal.aborted;
    const details = { requestId, cause, config, code: timedOut ? 'timeout' : 'network_error' };
    if (timedOut) throw new ApiError(`No answer from ${url} within ${timeoutMs} ms`, details);
    throw new ApiError(`Network error: ${url} could not be reached`, details);
  };
  const res = await fetchImpl(url, { ...init, signal: controller.signal }).catch(fail);
  const text = await res
    .text()
    .catch(fail)
    .finally(() => timer !== null && clock.clearTimeout(timer));
  let data = text || null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // an HTML error page stays text
  }
  if (res.ok) return { status: res.status, data, headers: res.headers, requestId, config };
  const { message = '', error: code = 'http_error' } = data && typeof data === 'object' ? data : {};
  const retryAfterMs = Number(res.headers.get('Retry-After')) * 1000 || undefined;
  const details = { status: res.status, code, data, requestId, config, retryAfterMs };
  throw new ApiError(message || `HTTP ${res.status} from ${url}`, details);
}
// #endregion

/**
 * The client. `baseURL` is the API, the only origin that ever gets the token. The hooks are
 * for the extras: `emit` hears every event, `coordinate` wraps every refresh (the tabs' lock),
 * `beforeSend`/`afterResponse` run the interceptors, `reauthFor` answers a 403 reauth_required.
 * @param {{ baseURL?: string, onSessionExpired?: (error: ApiError) => void, clock?: Clock,
 *   fetch?: typeof globalThis.fetch, readCsrfToken?: () => string | null,
 *   refreshTimeoutMs?: number, emit?: (type: string, fields: Record<string, any>) => void,
 *   coordinate?: (run: () => Promise<Session>) => Promise<Session>,
 *   beforeSend?: (config: RequestConfig) => RequestConfig | Promise<RequestConfig>,
 *   afterResponse?: (response: Promise<ApiResponse>) => Promise<ApiResponse>,
 *   reauthFor?: (error: ApiError, sentWith: Session | null, meta: RequestMeta) => Promise<void>,
 *   refreshExpiredFirst?: () => boolean
 * }} [options] `refreshExpiredFirst`: a call whose token we know has expired waits for a
 *   refresh instead of going out to a sure 401 (default yes; the demo turns it off to show 401s)
 */
export function createSilentRefresh(options = {}) {
  const {
    baseURL = '',
    onSessionExpired = () => {},
    refreshTimeoutMs = 10_000,
    fetch = globalThis.fetch,
    readCsrfToken = () => readCookie(globalThis.document ?? null, 'csrf_refresh_token'),
    clock = systemClock,
    emit = () => {},
    coordinate = (run) => run(),
    beforeSend = (config) => config,
    afterResponse = (response) => response,
    refreshExpiredFirst = () => true,
  } = options;
  const pageURL = globalThis.location?.href ?? 'http://localhost/';
  const apiOrigin = new URL(baseURL || '/', pageURL).origin; // a baseURL of '/api' works too
  // #region session
  /** @type {Session | null} The access token lives here, in memory only: never in localStorage. */
  let session = null;
  /** @type {string | null} the CSRF twin of a refresh cookie the server refused */
  let refusedCsrf = null;
  /** @returns {Session | null} a copy: nobody changes our state behind our back */
  const getSession = () => session && { ...session };
  /** @type {(next: Session | null, reason: string) => void} the one place the session changes */
  function setSession(next, reason) {
    if (next === null && session === null) return;
    session = next;
    emit('session', { session: getSession(), reason });
  }
  /** @type {(body: any, sessionId?: string) => Session} a new session, unless it continues one */
  function toSession(body, sessionId = `${Date.now()}-${Math.random()}`) {
    if (!body?.access_token) {
      const details = { status: 200, code: 'bad_response' };
      throw new ApiError('The server answered without an access token', details);
    }
    // By expires_in rather than the timestamp: the server's clock and ours may disagree.
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in * 1000 : NaN;
    const expiresAt = clock.now() + expiresIn || Date.parse(body.access_token_expires_at) || null;
    const user = body.user ?? null;
    return { user, accessToken: body.access_token, accessTokenExpiresAt: expiresAt, sessionId };
  }
  /** Is a refresh worth trying? Only if the readable CSRF twin of the refresh cookie exists. */
  const mayHaveRefreshCookie = () => Boolean(readCsrfToken()) && readCsrfToken() !== refusedCsrf;
  // #endregion
  // #region attach-token
  /** @param {string} url the gate every transport passes last: the token stays home */
  function checkOrigin(url) {
    const origin = URL.canParse(url, pageURL) ? new URL(url, pageURL).origin : null;
    if (origin === apiOrigin) return;
    const message = `${url} is not on ${apiOrigin}: call other sites with fetch(), not with us`;
    throw new ApiError(message, { code: 'other_origin' });
  }
  /**
   * One trip: attach the token, run the request interceptors, check the origin, send.
   * @type {(config: RequestConfig, sentWith: Session | null) => Promise<ApiResponse>}
   */
  async function send(config, sentWith) {
    const headers = new Headers(config.headers);
    if (sentWith) headers.set('Authorization', `Bearer ${sentWith.accessToken}`);
    const trip = await beforeSend({ ...config, headers });
    const absolute = /^https?:\/\//i.test(trip.path);
    const url = absolute ? trip.path : baseURL.replace(/\/$/, '') + trip.path;
    checkOrigin(url);
    const body = trip.data === undefined ? undefined : JSON.stringify(trip.data);
    if (body !== undefined && !trip.headers.has('Content-Type'))
      trip.headers.set('Content-Type', 'application/json');
    const credentials = isAuthPath(trip.path) ? 'include' : 'same-origin'; // cookies: /auth/*
    const init = { method: trip.method, headers: trip.headers, body, credentials };
    return fetchJson(url, /** @type {RequestInit} */ (init), { fetch, clock, config: trip });
  }
  /** @type {(path: string, data?: unknown, timeoutMs?: number) => Promise<ApiResponse>} */
  function authPost(path, data, timeoutMs = 0) {
    const headers = new Headers({ 'Content-Type': 'application/json' });
    const csrf = readCsrfToken();
    if (csrf) headers.set('X-CSRF-TOKEN', csrf);
    const body = data === undefined ? undefined : JSON.stringify(data);
    const init = { method: 'POST', headers, body, credentials: /** @type {const} */ ('include') };
    return fetchJson(baseURL.replace(/\/$/, '') + path, init, { fetch, clock, timeoutMs });
  }
  // #endregion
  // #region queue-and-replay
  // The 401 policy, in steps every transport takes: waitBeforeSending, send, recover, replay.
  /** @param {RequestMeta} meta wait for a refresh in flight, or for one if the token expired */
  async function waitBeforeSending(meta) {
    const expiresAt = refreshExpiredFirst() ? session?.accessTokenExpiresAt : null;
    const expired = clock.now() >= (expiresAt ?? Infinity);
    const running = refreshPromise ?? (expired ? refreshSoon(meta) : null);
    if (running) await waitForRefresh(running, meta);
    return Boolean(running); // then a 401 for it is final
  }
  /**
   * After a failed trip: resolves if the call may be replayed, else throws what it gets. A 401
   * joins the refresh in flight, replays a stale token, is refused when nobody is logged in,
   * or starts the one refresh. `waited`: the call waited for a refresh, so its 401 is final.
   * @type {(error: ApiError, sentWith: Session | null, meta: RequestMeta, waited: boolean)
   *   => Promise<void>}
   */
  async function recover(error, sentWith, meta, waited) {
    const { reauthFor } = options; // a 403 reauth_required: ask for the password, replay
    if (error.code === 'reauth_required' && reauthFor) return reauthFor(error, sentWith, meta);
    if (error.status !== 401 || isAuthPath(meta.path)) throw error;
    emit('unauthorized', { ...meta, status: 401, code: error.code });
    if (waited) throw error; // a 401 for a token we just got: replaying again could only loop
    let reason = 'refreshed';
    if (refreshPromise) await waitForRefresh(refreshPromise, meta);
    else if (isStale(sentWith)) reason = 'stale';
    else if (!session && !mayHaveRefreshCookie()) throw error;
    else await waitForRefresh(refreshSoon(meta), meta);
    if (sentWith && session && sentWith.sessionId !== session.sessionId) {
      // Its session has ended: what one user sent must never run as the next one.
      const message = `${meta.method} ${meta.path} was sent in a session that has ended`;
      throw copyFor(new ApiError(message, { status: 401, code: 'session_changed' }), meta);
    }
    emit('replay', { ...meta, reason });
  }
  /** @type {(config: RequestConfig, meta: RequestMeta) => Promise<ApiResponse>} one replay */
  async function sendWithRefresh(config, meta) {
    const waited = await waitBeforeSending(meta);
    const sentWith = getSession();
    try {
      return await send(config, sentWith);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await recover(error, sentWith, meta, waited);
      return send(config, getSession());
    }
  }
  // #endregion
  // #region stale-401
  /** @param {Session | null} sentWith an older token than ours? Then replay, don't refresh */
  const isStale = (sentWith) => session !== null && sentWith?.accessToken !== session.accessToken;
  // #endregion
  // #region refresh-single-flight
  /** @type {Promise<Session> | null} the one refresh in flight, shared by all */
  let refreshPromise = null;
  let lastRefreshId = 0;
  /**
   * Start a refresh, or join the one running. Cleared in `finally`: no flag can stay stuck.
   * It exists before refresh-start is emitted, so a call made by a listener queues too.
   * @param {string} reason reactive | proactive | restore
   */
  function refresh(reason) {
    if (refreshPromise) return refreshPromise;
    const refreshId = ++lastRefreshId;
    refreshPromise = runRefresh(refreshId, reason).finally(() => (refreshPromise = null));
    emit('refresh-start', { refreshId, reason });
    return refreshPromise;
  }
  /**
   * Outside the interceptors: a refresh that 401s never queues behind itself. A timeout may be
   * a lost answer: once more with the same cookie gets the same successor.
   * @type {(refreshId: number, reason: string) => Promise<Session>}
   */
  async function runRefresh(refreshId, reason) {
    await null; // refresh() has set refreshPromise before anything below runs
    let [source, csrf] = ['other-tab', readCsrfToken()]; // who answered, and with which cookie
    const post = () => authPost('/auth/refresh', undefined, refreshTimeoutMs);
    const retryTimeout = (/** @type {any} */ e) =>
      e.code === 'timeout' ? post() : Promise.reject(e);
    try {
      const next = await coordinate(async () => {
        [source, csrf] = ['server', readCsrfToken()];
        const answer = await post().catch(retryTimeout);
        const kind = reason === 'restore' ? reason : 'refresh';
        setSession(toSession(answer.data, session?.sessionId), kind);
        return /** @type {Session} */ (getSession());
      });
      [backoff, failuresInARow] = [null, 0];
      emit('refresh-end', { refreshId, ok: true, source });
      return next;
    } catch (error) {
      if (/** @type {any} */ (error)?.status === 401) refusedCsrf = csrf;
      emit('refresh-end', { refreshId, ok: false, source: 'server', error });
      throw refreshFailed(error, reason);
    }
  }
  // #endregion
  // #region refresh-failure
  let failuresInARow = 0;
  /** @type {{ error: ApiError, until: number, next: Promise<Session> | null } | null} */
  let backoff = null; // the last refresh not done, until when to wait, and the next attempt
  /**
   * Only a 401 from /auth/refresh means "no": the session is over, and the app hears it once.
   * Anything else (network, timeout, 5xx, 429) says nothing about the session: it stays, the
   * callers get a retryable error, and a capped exponential backoff (or Retry-After) starts.
   * @type {(cause: any, reason: string) => ApiError}
   */
  function refreshFailed(cause, reason) {
    const status = cause?.status ?? 0;
    if (status === 401) {
      const message = 'Your session has expired: please log in again';
      const expired = new ApiError(message, { status, code: 'session_expired', cause });
      setSession(null, 'expired');
      if (reason !== 'restore') onSessionExpired(expired); // on page load, it is no news
      return expired;
    }
    const exponential = Math.min(30_000, 1000 * 2 ** failuresInARow++);
    const waitMs = Math.max(exponential, cause?.retryAfterMs ?? 0);
    const message = `Could not refresh (${cause?.code}): still logged in, retry in ${waitMs} ms`;
    const retryable = status === 0 || status === 429 || status >= 500;
    const details = { status, code: 'refresh_unavailable', cause, retryable, retryAfterMs: waitMs };
    const error = new ApiError(message, details);
    backoff = { error, until: clock.now() + waitMs, next: null };
    return error;
  }
  /**
   * The refresh a call needs now. Inside a short backoff (2 s at most), the calls wait for
   * its end and share the next attempt; inside a long one, they fail fast with `retryAfterMs`.
   * @type {(meta: RequestMeta) => Promise<Session>}
   */
  function refreshSoon(meta) {
    const left = backoff ? backoff.until - clock.now() : 0;
    if (!backoff || left <= 0) return refresh('reactive');
    if (left > 2_000) return Promise.reject(copyFor(backoff.error, meta));
    const endOfBackoff = new Promise((resolve) => clock.setTimeout(() => resolve(null), left));
    backoff.next ??= endOfBackoff.then(() => refresh('reactive'));
    return backoff.next;
  }
  /** @type {(error: ApiError, meta: RequestMeta) => ApiError} each caller's own copy */
  const copyFor = (error, meta) =>
    new ApiError(error.message, { ...error, cause: error.cause, requestId: meta.requestId });
  /** @type {(running: Promise<Session>, meta: RequestMeta) => Promise<void>} never hangs */
  async function waitForRefresh(running, meta) {
    emit('queued', { ...meta, refreshId: lastRefreshId });
    await running.catch((error) => {
      throw error instanceof ApiError ? copyFor(error, meta) : error;
    });
  }
  // #endregion
  // #region login-logout
  /** @type {(path: string, data: object, reason: string) => Promise<User | null>} */
  async function startSession(path, data, reason) {
    await refreshPromise?.catch(() => {}); // a rotation in flight would overwrite this session
    const answer = await authPost(path, data);
    setSession(toSession(answer.data), reason);
    return session?.user ?? null;
  }
  /** @type {(username: string, password: string) => Promise<User | null>} */
  const login = (username, password) =>
    startSession('/auth/login', { username, password }, 'login');
  /** @type {(password: string) => Promise<User | null>} prove it is you: a new session starts */
  const reauthenticate = (password) => startSession('/auth/reauth', { password }, 'reauth');
  /** Log out: the server revokes the session; we forget it even if the server can't be reached. */
  async function logout() {
    await refreshPromise?.catch(() => {}); // revoke the newest token, not the one being rotated
    await authPost('/auth/logout').finally(() => {
      refusedCsrf = null;
      setSession(null, 'logout');
    });
  }
  // #endregion

  let lastRequestId = 0;
  /** @type {(method: string, path: string) => RequestMeta} a call begins (axios calls too) */
  function startCall(method, path) {
    const meta = { requestId: ++lastRequestId, method: method.toUpperCase(), path };
    emit('request', meta);
    return meta;
  }
  /** @param {RequestInput} input axios-like: resolves with the JSON body, throws ApiError */
  function request(input) {
    const meta = startCall(input.method ?? 'GET', input.path ?? input.url ?? '');
    const config = { ...meta, data: input.data, headers: new Headers(input.headers) };
    // Response interceptors see the final outcome only, never a 401 that a refresh handled.
    return afterResponse(sendWithRefresh(config, meta)).then(
      (res) => {
        emit('done', { ...meta, status: res?.status });
        return res?.data;
      },
      (error) => {
        emit('error', { ...meta, status: error?.status, code: error?.code, error });
        throw error;
      },
    );
  }

  return {
    ...{ request, login, reauthenticate, logout, getSession, setSession, refresh },
    ...{ mayHaveRefreshCookie, emit, pendingRefresh: () => refreshPromise },
    // The policy's steps for a transport of its own (axios.js), in the order a call takes them.
    ...{ startCall, waitBeforeSending, checkOrigin, recover },
  };
}
