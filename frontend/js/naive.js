// @ts-check
/**
 * naive.js: the silent refresh as most blog posts teach it. DO NOT COPY.
 *
 * It exists so the demo can put it side by side with api.js. Same factory
 * shape, same methods, same events, so the page can switch between them. The
 * difference is in one place, the `naive-interceptor` region: on a 401 it
 * calls /auth/refresh and retries once. Nothing else: no shared refresh
 * promise, no queue, no check of which token a request was sent with.
 *
 * What goes wrong, and the demo shows it:
 * - N requests that 401 together make N refresh calls;
 * - against a server with refresh-token rotation and reuse detection (ours),
 *   the 2nd to Nth of those calls present a token the 1st just spent. That is
 *   exactly what a stolen token looks like, so the server revokes the whole
 *   session: the user is logged out for clicking fast;
 * - every failed refresh tells the app "session expired" again;
 * - there is no proactive refresh (setProactiveRefresh is accepted and
 *   ignored) and no cross-tab coordination.
 *
 * The plumbing (events, interceptor chains, fetch) mirrors api.js, so the
 * only difference you see in the demo is the refresh strategy.
 */

import { ApiError } from './api.js';

/**
 * @typedef {import('./api.js').Session} Session
 * @typedef {import('./api.js').RequestInput} RequestInput
 * @typedef {import('./api.js').RequestConfig} RequestConfig
 * @typedef {import('./api.js').ApiResponse} ApiResponse
 * @typedef {import('./api.js').Handler} Handler
 * @typedef {import('./api.js').ApiEvent} ApiEvent
 */

/**
 * Same options as createApiClient; the cross-tab and proactive ones are
 * accepted and ignored, since the blog version has neither.
 * @param {object} [options]
 * @param {string} [options.baseURL]
 * @param {(error: ApiError) => void} [options.onSessionExpired] called on every failed refresh
 * @param {typeof fetch} [options.fetch]
 * @param {() => string | null} [options.readCsrfToken]
 * @param {Document | null} [options.document]
 * @param {{ now(): number }} [options.clock]
 */
export function createNaiveApiClient(options = {}) {
  const {
    baseURL = '',
    onSessionExpired = () => {},
    fetch: fetchImpl = (input, init) => globalThis.fetch(input, init),
    document: doc = globalThis.document ?? null,
    clock = { now: () => Date.now() },
  } = options;
  const readCsrf = options.readCsrfToken ?? (() => readCookie(doc, 'csrf_refresh_token'));

  /** @type {Session | null} */
  let session = null;
  let lastRequestId = 0;
  let lastRefreshId = 0;

  /** @type {Map<string, Set<(event: ApiEvent) => void>>} */
  const listeners = new Map();
  function on(/** @type {string} */ type, /** @type {(event: ApiEvent) => void} */ listener) {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type)?.add(listener);
    return () => void listeners.get(type)?.delete(listener);
  }
  function emit(/** @type {string} */ type, /** @type {Record<string, any>} */ fields = {}) {
    const event = { type, time: performance.now(), ...fields };
    for (const listener of [...(listeners.get(type) ?? []), ...(listeners.get('*') ?? [])]) {
      try { listener(event); } catch (error) { console.error('naive.js: event listener failed', error); }
    }
  }

  function getSession() {
    return session && { ...session };
  }
  function setSession(/** @type {Session | null} */ next, /** @type {string} */ reason) {
    if (next === null && session === null) return;
    session = next;
    emit('session', { session: getSession(), reason });
  }
  /** @param {any} body */
  function sessionFromTokenResponse(body) {
    if (typeof body?.access_token !== 'string' || !body.access_token) {
      throw new ApiError('The server answered without an access token', { status: 200, code: 'bad_response' });
    }
    const expiresAt = typeof body.expires_in === 'number' ? clock.now() + body.expires_in * 1000 : null;
    return { user: body.user ?? null, accessToken: body.access_token, accessTokenExpiresAt: expiresAt };
  }

  /** @returns {{ handlers: Array<Handler | null>, use: (f?: Handler['onFulfilled'], r?: Handler['onRejected']) => number, eject: (id: number) => void }} */
  function createChain() {
    /** @type {Array<Handler | null>} */
    const handlers = [];
    return {
      handlers,
      use: (onFulfilled, onRejected) => handlers.push({ onFulfilled, onRejected }) - 1,
      eject: (id) => { handlers[id] = null; },
    };
  }
  /** @param {Array<Handler | null>} handlers @param {any} value @param {boolean} failed */
  async function runChain(handlers, value, failed) {
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
  const requestChain = createChain();
  const responseChain = createChain();

  // The blog's request interceptor: attach whatever token we hold right now.
  requestChain.use((/** @type {RequestConfig} */ config) => {
    if (session?.accessToken) config.headers.set('Authorization', `Bearer ${session.accessToken}`);
    return config;
  });

  const isAuthPath = (/** @type {string} */ path) => path.startsWith('/auth/');

  /** @param {string} path @param {RequestInit} init @param {number} [requestId] @returns {Promise<ApiResponse>} */
  async function callFetch(path, init, requestId) {
    let res;
    let text;
    try {
      res = await fetchImpl(baseURL.replace(/\/$/, '') + path, init);
      text = await res.text();
    } catch (error) {
      throw new ApiError(`Network error: ${path} could not be reached`, { code: 'network_error', requestId, cause: error });
    }
    const data = parseBody(text);
    if (!res.ok) {
      const body = data && typeof data === 'object' ? data : {};
      throw new ApiError(body.message || `HTTP ${res.status} from ${path}`, {
        status: res.status, code: body.error || 'http_error', data, requestId,
      });
    }
    return { status: res.status, data, headers: res.headers, requestId };
  }

  /** @param {string} path @param {string | null} csrf @param {unknown} [body] */
  function authPost(path, csrf, body) {
    const headers = new Headers({ 'Content-Type': 'application/json' });
    if (csrf) headers.set('X-CSRF-TOKEN', csrf);
    return callFetch(path, {
      method: 'POST', headers, credentials: 'include', body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** One trip through the request interceptors and fetch. @param {RequestConfig} config */
  async function send(config) {
    /** @type {RequestConfig} */
    const trip = await runChain(requestChain.handlers, { ...config, headers: new Headers(config.headers) }, false);
    /** @type {RequestInit} */
    const init = { method: trip.method, headers: trip.headers };
    if (trip.data !== undefined) {
      if (!trip.headers.has('Content-Type')) trip.headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(trip.data);
    }
    if (isAuthPath(trip.path)) init.credentials = 'include';
    return { ...(await callFetch(trip.path, init, trip.requestId)), config: trip };
  }

  // #region naive-interceptor
  /**
   * The classic response interceptor, error branch:
   *
   *   if (error.response.status === 401 && !originalRequest._retry) {
   *     originalRequest._retry = true;
   *     const { data } = await axios.post('/auth/refresh');
   *     setToken(data.access_token);
   *     return api(originalRequest);
   *   }
   *
   * Every request that gets a 401 runs this on its own. Nothing tells the
   * second one that the first is already refreshing.
   * @param {ApiError} error
   * @param {RequestConfig & { _retry?: boolean }} config
   * @param {{ requestId: number, method: string, path: string }} meta
   */
  async function onResponseError(error, config, meta) {
    if (error.status !== 401 || config._retry || isAuthPath(config.path)) throw error;
    config._retry = true;
    emit('unauthorized', { ...meta, status: 401, code: error.code });
    await refresh('reactive'); // one refresh per 401: N concurrent 401s, N refreshes
    emit('replay', { ...meta, reason: 'refreshed' });
    return send(config);
  }

  /** @param {'reactive' | 'restore'} reason */
  async function refresh(reason) {
    const refreshId = ++lastRefreshId;
    emit('refresh-start', { refreshId, reason });
    try {
      const { data } = await authPost('/auth/refresh', readCsrf());
      setSession(sessionFromTokenResponse(data), reason === 'restore' ? 'restore' : 'refresh');
      emit('refresh-end', { refreshId, ok: true, source: 'server' });
    } catch (refreshError) {
      emit('refresh-end', { refreshId, ok: false, source: 'server', error: refreshError });
      // The blog's catch block: forget the token, "redirect to login", rethrow.
      setSession(null, 'expired');
      if (reason !== 'restore') {
        const expired = new ApiError('Your session has expired: please log in again',
          { status: 401, code: 'session_expired', cause: refreshError });
        try { onSessionExpired(expired); } catch (e) { console.error('naive.js: onSessionExpired failed', e); }
      }
      throw refreshError;
    }
  }
  // #endregion

  /** @param {RequestInput} input */
  async function request(input) {
    const requestId = ++lastRequestId;
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
      outcome = await send(config).catch((error) => onResponseError(error, config, meta));
    } catch (error) {
      outcome = error;
      failed = true;
    }
    try {
      /** @type {ApiResponse} */
      const response = await runChain(responseChain.handlers, outcome, failed);
      emit('done', { ...meta, status: response?.status });
      return response?.data;
    } catch (error) {
      const { status, code } = error instanceof ApiError ? error : { status: undefined, code: undefined };
      emit('error', { ...meta, status, code, error });
      throw error;
    }
  }

  /** Same contract as api.js: only asks the server when the CSRF cookie exists. */
  async function restore() {
    if (session) return getSession();
    if (!readCsrf()) return null;
    try {
      await refresh('restore');
      return getSession();
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) return null;
      throw error;
    }
  }

  async function login(/** @type {string} */ username, /** @type {string} */ password) {
    const { data } = await authPost('/auth/login', null, { username, password });
    const next = sessionFromTokenResponse(data);
    setSession(next, 'login');
    return next.user;
  }

  async function logout() {
    try {
      await authPost('/auth/logout', readCsrf());
    } finally {
      setSession(null, 'logout');
    }
  }

  return {
    restore,
    login,
    logout,
    request,
    get: (/** @type {string} */ path, /** @type {RequestInput} */ config = {}) => request({ ...config, method: 'GET', path }),
    post: (/** @type {string} */ path, /** @type {unknown} */ data, /** @type {RequestInput} */ config = {}) =>
      request({ ...config, method: 'POST', path, data }),
    on,
    interceptors: {
      request: { use: requestChain.use, eject: requestChain.eject },
      response: { use: responseChain.use, eject: responseChain.eject },
    },
    getSession,
    /** Same demo hook as api.js: replace the in-memory token by hand. */
    setAccessToken(/** @type {string} */ token) {
      setSession({ ...(session ?? { user: null, accessTokenExpiresAt: null }), accessToken: token }, 'set-token');
    },
    /** The blog version has no proactive refresh: accepted for API compatibility, ignored. */
    setProactiveRefresh(/** @type {boolean} */ _enabled) {},
    /** Nothing runs in the background here; kept for API compatibility. */
    destroy() {},
  };
}

/** @param {Document | null} doc @param {string} name */
function readCookie(doc, name) {
  for (const pair of (doc?.cookie ?? '').split(/;\s*/)) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === name) return decodeURIComponent(pair.slice(eq + 1));
  }
  return null;
}

/** @param {string} text */
function parseBody(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
