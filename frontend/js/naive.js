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
 * The plumbing (events, interceptor chains, fetch) is api.js's own, imported,
 * so the only difference you see in the demo is the refresh strategy.
 */

import {
  ApiError, authPostInit, createEmitter, createInterceptorChain, fetchInit, isAuthPath,
  readCookie, requestApi, restoreSession, runInterceptors, runRequest, sessionFromTokenResponse, toApiResponse,
} from './api.js';

/**
 * @typedef {import('./api.js').Session} Session
 * @typedef {import('./api.js').RequestInput} RequestInput
 * @typedef {import('./api.js').RequestConfig} RequestConfig
 * @typedef {import('./api.js').ApiResponse} ApiResponse
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
  const { on, emit } = createEmitter('naive.js');
  const requestChain = createInterceptorChain();
  const responseChain = createInterceptorChain();

  const getSession = () => session && { ...session };
  function setSession(/** @type {Session | null} */ next, /** @type {string} */ reason) {
    if (next === null && session === null) return;
    session = next;
    emit('session', { session: getSession(), reason });
  }

  // The blog's request interceptor: attach whatever token we hold right now.
  requestChain.use((/** @type {RequestConfig} */ config) => {
    if (session?.accessToken) config.headers.set('Authorization', `Bearer ${session.accessToken}`);
    return config;
  });

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
    return toApiResponse(res, text, path, requestId);
  }

  /** @param {string} path @param {string | null} csrf @param {unknown} [body] */
  const authPost = (path, csrf, body) => callFetch(path, authPostInit(csrf, body));

  /** One trip through the request interceptors and fetch. @param {RequestConfig} config */
  async function send(config) {
    /** @type {RequestConfig} */
    const trip = await runInterceptors(requestChain.handlers, { ...config, headers: new Headers(config.headers) }, false);
    return { ...(await callFetch(trip.path, fetchInit(trip), trip.requestId)), config: trip };
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
      setSession(sessionFromTokenResponse(data, clock.now()), reason === 'restore' ? 'restore' : 'refresh');
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
  function request(input) {
    return runRequest(input, ++lastRequestId, {
      emit, responseChain, deliver: (config, meta) => send(config).catch((error) => onResponseError(error, config, meta)),
    });
  }

  /** Same contract as api.js: only asks the server when the CSRF cookie exists. */
  const restore = () => restoreSession({
    getSession, mayHaveRefreshCookie: () => Boolean(readCsrf()), refresh: () => refresh('restore'),
  });

  async function login(/** @type {string} */ username, /** @type {string} */ password) {
    const { data } = await authPost('/auth/login', null, { username, password });
    const next = sessionFromTokenResponse(data, clock.now());
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
    ...requestApi({ request, on, requestChain, responseChain }),
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
