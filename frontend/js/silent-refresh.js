// @ts-check
// silent-refresh.js, THE FILE TO COPY: a fetch client that keeps a short-lived access token fresh, for one tab, with
// no imports. Top to bottom: session in memory → attach the token → send → on a 401, one shared refresh → replay once.
// api.js plugs the extras (tabs, proactive timer, restore, events, interceptors) into the hooks; this file does not know them.

/** @typedef {{ id: number | string, username: string }} User
 * @typedef {{ user: User | null, accessToken: string, accessTokenExpiresAt: number | null }} Session
 * @typedef {{ method?: string, path?: string, url?: string, data?: unknown, headers?: HeadersInit }} RequestInput
 * @typedef {{ method: string, path: string, data: unknown, headers: Headers, requestId: number }} RequestConfig
 * @typedef {{ status: number, data: any, headers: Headers, requestId?: number, config?: RequestConfig }} ApiResponse
 * @typedef {{ requestId: number, method: string, path: string }} RequestMeta
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any, clearTimeout(id: any): void }} Clock
 */
/**
 * Every failure. `status`: 0 when no answer came. `code`: the server's `error`, or network_error, timeout,
 * session_expired (refresh refused; `cause` says why), refresh_unavailable (refresh not done, still logged in:
 * `retryable`, after `retryAfterMs`), other_origin, http_error, bad_response. `config`: the request as sent.
 */
export class ApiError extends Error {
  /** @param {string} message @param {{ status?: number, code?: string, requestId?: number, data?: unknown,
   *   cause?: unknown, retryable?: boolean, retryAfterMs?: number, config?: RequestConfig }} [details] */
  constructor(
    message,
    {
      status = 0,
      code = 'http_error',
      requestId,
      data,
      cause,
      retryable = false,
      retryAfterMs,
      config,
    } = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.data = data; // the parsed error body, if any
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
    this.config = config;
  }
}

/** A cookie the page may read (not HttpOnly), e.g. the refresh cookie's CSRF twin. @param {Document | null} doc @param {string} name */
export function readCookie(doc, name) {
  const pair = (doc?.cookie ?? '').split(/;\s*/).find((p) => p.startsWith(`${name}=`));
  return pair === undefined ? null : decodeURIComponent(pair.slice(name.length + 1));
}

// #region fetch
/** fetch, read the JSON body, turn every failure into an ApiError. Exported for other transports (http.js).
 *  @param {string} url @param {RequestInit} init @param {{ fetch?: typeof fetch, timeoutMs?: number,
 *  config?: RequestConfig, clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'> }} [extra] @returns {Promise<ApiResponse>} */
export async function fetchJson(
  url,
  init,
  { fetch = globalThis.fetch, timeoutMs = 0, config, clock = globalThis } = {},
) {
  const [requestId, controller] = [config?.requestId, new AbortController()];
  const timer = timeoutMs ? clock.setTimeout(() => controller.abort(), timeoutMs) : null;
  const fail = (/** @type {unknown} */ cause) => {
    const timedOut = controller.signal.aborted;
    throw new ApiError(
      timedOut
        ? `No answer from ${url} within ${timeoutMs} ms`
        : `Network error: ${url} could not be reached`,
      { code: timedOut ? 'timeout' : 'network_error', requestId, cause, config },
    );
  };
  const res = await fetch(url, { ...init, signal: controller.signal }).catch(fail);
  const text = await res
    .text()
    .catch(fail)
    .finally(() => timer !== null && clock.clearTimeout(timer));
  let data = text || null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* an HTML error page stays text */
  }
  if (res.ok) return { status: res.status, data, headers: res.headers, requestId, config };
  const { message = '', error: code = 'http_error' } = data && typeof data === 'object' ? data : {};
  const retryAfterMs = Number(res.headers.get('Retry-After')) * 1000 || undefined;
  throw new ApiError(message || `HTTP ${res.status} from ${url}`, {
    status: res.status,
    code,
    data,
    requestId,
    config,
    retryAfterMs,
  });
}
// #endregion

/**
 * @param {object} [options]
 * @param {string} [options.baseURL] the API, e.g. 'http://127.0.0.1:5001': the only origin that gets the token
 * @param {(error: ApiError) => void} [options.onSessionExpired] once, when the server refuses a refresh
 * @param {typeof fetch} [options.fetch] @param {Clock} [options.clock] @param {() => string | null} [options.readCsrfToken]
 * @param {number} [options.refreshTimeoutMs] give up on /auth/refresh after this (default 10 s)
 * Hooks for the extras: `emit` hears every event, `coordinate` wraps every refresh (tabs), `beforeSend` and `afterResponse`
 * run the interceptors. @param {(type: string, fields: Record<string, any>) => void} [options.emit]
 * @param {(run: () => Promise<Session>) => Promise<Session>} [options.coordinate] @param {(response: Promise<ApiResponse>)
 * => Promise<ApiResponse>} [options.afterResponse] @param {(config: RequestConfig) => RequestConfig | Promise<RequestConfig>} [options.beforeSend]
 */
export function createSilentRefresh(options = {}) {
  const {
    baseURL = '',
    onSessionExpired = () => {},
    refreshTimeoutMs = 10_000,
    fetch: fetchImpl = globalThis.fetch,
    readCsrfToken = () => readCookie(globalThis.document ?? null, 'csrf_refresh_token'),
    clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id),
    },
    emit = () => {},
    coordinate = (run) => run(),
    beforeSend = (config) => config,
    afterResponse = (response) => response,
  } = options;
  const apiOrigin = new URL(baseURL || '/', globalThis.location?.href || 'http://localhost').origin; // '/api' too
  const urlFor = (/** @type {string} */ path) =>
    /^https?:\/\//i.test(path) ? path : baseURL.replace(/\/$/, '') + path;
  /** /auth/* is the refresh machinery: its 401s mean "no", never "refresh and retry". */
  const isAuthPath = (/** @type {string} */ path) =>
    new URL(path, apiOrigin).pathname.startsWith('/auth/');

  // #region session
  /** @type {Session | null} The access token lives here, in memory only: never in localStorage. */
  let session = null,
    /** @type {Promise<Session> | null} the one refresh in flight, shared by all */ refreshPromise =
      null;
  let lastRefreshId = 0,
    lastRequestId = 0,
    failuresInARow = 0;
  /** @type {string | null} refusedCsrf: a refresh cookie the server refused. backoff: the last refresh not done, and until when. */
  let refusedCsrf = null,
    /** @type {{ error: ApiError, until: number } | null} */ backoff = null;
  const getSession = () => session && { ...session }; // a copy: nobody changes our state behind our back
  /** The one place the session changes. @param {Session | null} next @param {string} reason */
  function setSession(next, reason) {
    if (next === null && session === null) return;
    session = next;
    emit('session', { session: getSession(), reason });
  }
  /** A token response as a Session. expires_in, since the server's clock and ours may disagree. @param {any} body @returns {Session} */
  function toSession(body) {
    if (!body?.access_token)
      throw new ApiError('The server answered without an access token', {
        status: 200,
        code: 'bad_response',
      });
    const expiresAt =
      typeof body.expires_in === 'number'
        ? clock.now() + body.expires_in * 1000
        : Date.parse(body.access_token_expires_at) || null;
    return {
      user: body.user ?? null,
      accessToken: body.access_token,
      accessTokenExpiresAt: expiresAt,
    };
  }
  /** A refresh cookie worth trying? Only if its readable CSRF twin exists. */ const mayHaveRefreshCookie =
    () => Boolean(readCsrfToken()) && readCsrfToken() !== refusedCsrf;
  // #endregion
  // #region attach-token
  /** One trip: attach the current token (again on a replay: the new one), run the request interceptors, send.
   *  The token goes to the API's origin only: any other is refused before sending. @param {RequestConfig} config */
  async function send(config) {
    if (new URL(urlFor(config.path), apiOrigin).origin !== apiOrigin)
      throw new ApiError(
        `${config.path} is not on ${apiOrigin}: call other sites with fetch(), so the token stays home`,
        { code: 'other_origin', config },
      );
    const headers = new Headers(config.headers);
    if (session) headers.set('Authorization', `Bearer ${session.accessToken}`);
    const trip = await beforeSend({ ...config, headers });
    const body = trip.data === undefined ? undefined : JSON.stringify(trip.data);
    if (body !== undefined && !trip.headers.has('Content-Type'))
      trip.headers.set('Content-Type', 'application/json');
    // The API is another origin: cookies travel with /auth/* calls only.
    const init = {
      method: trip.method,
      headers: trip.headers,
      body,
      credentials: isAuthPath(trip.path) ? 'include' : 'same-origin',
    };
    return fetchJson(urlFor(trip.path), /** @type {RequestInit} */ (init), {
      fetch: fetchImpl,
      clock,
      config: trip,
    });
  }
  /** POST to /auth/*, outside the interceptors. @param {string} path @param {string | null} csrf @param {unknown} [data] */
  function authPost(path, csrf, data, timeoutMs = 0) {
    const headers = new Headers({
      'Content-Type': 'application/json',
      ...(csrf ? { 'X-CSRF-TOKEN': csrf } : {}),
    });
    const body = data === undefined ? undefined : JSON.stringify(data);
    return fetchJson(
      urlFor(path),
      { method: 'POST', headers, body, credentials: 'include' },
      { fetch: fetchImpl, clock, timeoutMs },
    );
  }
  // #endregion
  // #region queue-and-replay
  /** One call as the app sees it: send; on a 401, wait for the one shared refresh and replay once. A call made
   *  while a refresh runs waits first, rather than go out with a dead token. @param {RequestConfig} config
   *  @param {RequestMeta} meta @returns {Promise<ApiResponse>} */
  async function sendWithRefresh(config, meta) {
    const refreshed = Boolean(refreshPromise); // then its next 401 is final
    if (refreshPromise) await waitForRefresh(refreshPromise, meta);
    try {
      return await send(config);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || isAuthPath(config.path))
        throw error;
      emit('unauthorized', { ...meta, status: 401, code: error.code });
      if (refreshed) throw error; // a 401 for a token we just got: replaying again could only loop
      let reason = 'refreshed';
      if (refreshPromise)
        await waitForRefresh(refreshPromise, meta); // a refresh is running: join it
      else if (isStale(error.config)) reason = 'stale';
      else if (!session && !mayHaveRefreshCookie())
        throw error; // nobody is logged in
      else if (backoff && clock.now() < backoff.until)
        throw copyFor(backoff.error, meta); // a late 401 of a failed burst
      else await waitForRefresh(refresh('reactive'), meta); // the first 401 starts the one refresh
      emit('replay', { ...meta, reason });
      return send(config);
    }
  }
  // #endregion
  // #region stale-401
  /** Sent with an older token than ours? Then a refresh happened meanwhile: replay, don't refresh. @param {RequestConfig} [sent] */
  const isStale = (sent) =>
    session !== null && sent?.headers.get('Authorization') !== `Bearer ${session.accessToken}`;
  // #endregion
  // #region refresh-single-flight
  /** Start a refresh, or join the one running. The promise is cleared in `finally`, so no "refreshing" flag can
   *  stay stuck; it exists before refresh-start is emitted, so a call made by a listener queues too.
   *  @param {string} reason reactive | proactive | restore @returns {Promise<Session>} */
  function refresh(reason) {
    if (refreshPromise) return refreshPromise;
    const refreshId = ++lastRefreshId;
    refreshPromise = Promise.resolve()
      .then(() => runRefresh(refreshId, reason))
      .finally(() => {
        refreshPromise = null;
      });
    emit('refresh-start', { refreshId, reason });
    return refreshPromise;
  }
  /** @param {number} refreshId @param {string} reason */
  async function runRefresh(refreshId, reason) {
    let source = 'other-tab'; // unless `coordinate` lets us ask the server
    try {
      const next = await coordinate(async () => {
        source = 'server';
        const csrf = readCsrfToken();
        // A plain fetch, outside the interceptors: a refresh that 401s must never queue behind itself.
        const answer = await authPost('/auth/refresh', csrf, undefined, refreshTimeoutMs).catch(
          (error) => {
            refusedCsrf = error.status === 401 ? csrf : refusedCsrf;
            throw error;
          },
        );
        setSession(toSession(answer.data), reason === 'restore' ? 'restore' : 'refresh');
        return /** @type {Session} */ (getSession());
      });
      [backoff, failuresInARow] = [null, 0];
      emit('refresh-end', { refreshId, ok: true, source });
      return next;
    } catch (error) {
      emit('refresh-end', { refreshId, ok: false, source: 'server', error });
      throw refreshFailed(error, reason);
    }
  }
  // #endregion
  // #region refresh-failure
  /** Only a 401 from /auth/refresh means "no": the session is over, and the app hears it once. Anything else
   *  (network error, timeout, 5xx, 429) says nothing about the session: it stays, every caller gets a retryable
   *  error, and no refresh is tried before a capped exponential backoff (or Retry-After) has passed.
   *  @param {any} cause @param {string} reason @returns {ApiError} */
  function refreshFailed(cause, reason) {
    const status = cause?.status ?? 0;
    if (status === 401) {
      const expired = new ApiError('Your session has expired: please log in again', {
        status,
        code: 'session_expired',
        cause,
      });
      setSession(null, 'expired');
      if (reason === 'restore') return expired; // on page load, "no session" is an answer, not news
      try {
        onSessionExpired(expired);
      } catch (e) {
        console.error('silent-refresh.js: onSessionExpired failed', e);
      }
      return expired;
    }
    const waitMs = Math.max(
      Math.min(30_000, 1000 * 2 ** failuresInARow++),
      cause?.retryAfterMs ?? 0,
    );
    const error = new ApiError(
      `Could not refresh the session (${cause?.code}): still logged in, try again in ${waitMs / 1000} s`,
      {
        status,
        code: 'refresh_unavailable',
        cause,
        retryable: status === 0 || status === 429 || status >= 500,
        retryAfterMs: waitMs,
      },
    );
    backoff = { error, until: clock.now() + waitMs };
    return error;
  }
  /** Each caller's own copy of a refresh failure, naming its request. @param {ApiError} error @param {RequestMeta} meta */
  function copyFor({ message, status, code, cause, retryable, retryAfterMs }, meta) {
    return new ApiError(message, {
      status,
      code,
      cause,
      retryable,
      retryAfterMs,
      requestId: meta.requestId,
    });
  }
  /** Wait for the shared refresh: rejected with its failure, never left hanging. @param {Promise<Session>} running @param {RequestMeta} meta */
  async function waitForRefresh(running, meta) {
    emit('queued', { ...meta, refreshId: lastRefreshId });
    await running.catch((error) => {
      throw copyFor(error, meta);
    });
  }
  // #endregion
  // #region login-logout
  /** Log in; resolves to the user. @param {string} username @param {string} password */
  async function login(username, password) {
    await refreshPromise?.catch(() => {}); // a rotation in flight would land after us and overwrite this login
    setSession(
      toSession((await authPost('/auth/login', null, { username, password })).data),
      'login',
    );
    return session?.user ?? null;
  }
  /** Log out: the server revokes the token family; we forget the token even if it can't be reached (then we throw). */
  async function logout() {
    await refreshPromise?.catch(() => {}); // revoke the newest token, not the one being rotated
    await authPost('/auth/logout', readCsrfToken()).finally(() => {
      refusedCsrf = null;
      setSession(null, 'logout');
    });
  }
  // #endregion
  /** axios-like request: resolves with the parsed JSON body, throws ApiError. @param {RequestInput} input */
  function request(input) {
    const meta = {
      requestId: ++lastRequestId,
      method: (input.method ?? 'GET').toUpperCase(),
      path: input.path ?? input.url ?? '',
    };
    emit('request', meta);
    // Response interceptors see the final outcome only, never a 401 that a refresh already handled.
    return afterResponse(
      sendWithRefresh({ ...meta, data: input.data, headers: new Headers(input.headers) }, meta),
    ).then(
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
  // The session API the extras and a second transport drive: the same session, the same one refresh;
  // pendingRefresh() is the refresh in flight (wait for it before sending), or null.
  return {
    request,
    login,
    logout,
    getSession,
    setSession,
    refresh,
    mayHaveRefreshCookie,
    isStale,
    pendingRefresh: () => refreshPromise,
  };
}
