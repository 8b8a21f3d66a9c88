// @ts-check
/**
 * naive.js: the silent refresh as most blog posts teach it. DO NOT COPY.
 *
 * It exists so the demo can put it side by side with api.js: same factory
 * shape, same methods, same events, so the page can switch between them. It
 * is the blog code itself, a response interceptor on a plain axios-like
 * instance (http.js), with the `refreshing` flag, the queue and `_retry`.
 * It takes nothing from the core. Two variants circulate (docs/17):
 *
 * - 'retry-once' (variant 1, the default and the demo's): every 401 refreshes
 *   on its own, so N requests that 401 together make N refresh calls; with
 *   rotation and reuse detection (our server), the 2nd to Nth present a token
 *   the 1st just spent, which is what theft looks like. The server's safe
 *   retry (REFRESH_REUSE_GRACE_S, 10 s by default) forgives that; with it
 *   off (`make demo`) the server revokes the session and the user is logged
 *   out for clicking fast;
 * - 'flag-and-queue' (variant 2): one refresh per burst, but the queue has no
 *   reject (a failed refresh leaves every queued call hanging), the refresh
 *   goes through the same interceptor, and the flag stays stuck at true.
 *
 * Neither has proactive refresh (setProactiveRefresh is accepted and
 * ignored), cross-tab coordination, or a check of which token a request was
 * sent with.
 */

import { ApiError, createHttpClient, isAuthPath } from './http.js';
import { createEmitter } from './events.js';

/**
 * @typedef {import('./silent-refresh.js').Session} Session
 * @typedef {import('./silent-refresh.js').RequestConfig} RequestConfig
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
 * @param {'retry-once' | 'flag-and-queue'} [options.variant] which blog post (default 'retry-once')
 */
export function createNaiveApiClient(options = {}) {
  const {
    onSessionExpired = () => {},
    document: doc = globalThis.document ?? null,
    clock = { now: () => Date.now() },
    variant = 'retry-once',
  } = options;
  const readCsrf =
    options.readCsrfToken ??
    (() => {
      const match = (doc?.cookie ?? '').match(/(?:^|;\s*)csrf_refresh_token=([^;]*)/);
      return match ? decodeURIComponent(match[1]) : null;
    });
  const api = createHttpClient({ baseURL: options.baseURL, fetch: options.fetch });
  const { on, emit } = createEmitter('naive.js');

  /** @type {Session | null} */
  let session = null;
  let lastRefreshId = 0;
  let lastRequestId = 0;
  const getSession = () => session && { ...session };
  function setSession(/** @type {Session | null} */ next, /** @type {string} */ reason) {
    if (next === null && session === null) return;
    session = next;
    emit('session', { session: getSession(), reason });
  }
  /** @param {any} data */
  const toSession = (data) => {
    if (typeof data?.access_token !== 'string')
      throw new ApiError('No access token', { status: 200, code: 'bad_response' });
    return {
      user: data.user ?? null,
      accessToken: data.access_token,
      accessTokenExpiresAt: clock.now() + data.expires_in * 1000,
      sessionId: '', // the blog code has no notion of which login a token belongs to
    };
  };

  // The blog's request interceptor: attach whatever token we hold right now.
  api.interceptors.request.use((/** @type {RequestConfig} */ config) => {
    if (session?.accessToken) config.headers.set('Authorization', `Bearer ${session.accessToken}`);
    const csrf = readCsrf();
    if (isAuthPath(config.path) && csrf) config.headers.set('X-CSRF-TOKEN', csrf);
    return config;
  });

  /** @param {RequestConfig} config */
  const meta = (config) => ({
    requestId: config.requestId,
    method: config.method,
    path: config.path,
  });

  /**
   * The refresh call; the blog's catch block forgets the token and "redirects to login".
   * @param {string} reason
   */
  async function refresh(reason) {
    const refreshId = ++lastRefreshId;
    emit('refresh-start', { refreshId, reason });
    try {
      // Variant 2 sends it through the same interceptor: its own 401 queues behind itself.
      const { data } = await api.post(
        '/auth/refresh',
        undefined,
        variant === 'flag-and-queue' ? {} : { _retry: true },
      );
      setSession(toSession(data), reason === 'restore' ? 'restore' : 'refresh');
      emit('refresh-end', { refreshId, ok: true, source: 'server' });
      return session?.accessToken;
    } catch (refreshError) {
      emit('refresh-end', { refreshId, ok: false, source: 'server', error: refreshError });
      setSession(null, 'expired');
      if (reason !== 'restore') {
        const expired = new ApiError('Your session has expired: please log in again', {
          status: 401,
          code: 'session_expired',
          cause: refreshError,
        });
        try {
          onSessionExpired(expired);
        } catch (e) {
          console.error('naive.js: onSessionExpired failed', e);
        }
      }
      throw refreshError;
    }
  }

  // #region naive-interceptor
  let refreshing = false;
  /** @type {Array<(token: string | undefined) => void>} */
  let queue = [];

  /**
   * The classic response interceptor, error branch. Variant 1 (retry once):
   *
   *   if (error.response.status === 401 && !originalRequest._retry) {
   *     originalRequest._retry = true;
   *     const { data } = await axios.post('/auth/refresh');
   *     setToken(data.access_token);
   *     return api(originalRequest);
   *   }
   *
   * Every request that gets a 401 runs this on its own. Nothing tells the
   * second one that the first is already refreshing. Variant 2 adds the
   * `refreshing` flag and a queue that only ever resolves.
   * @param {ApiError & { config: RequestConfig & { _retry?: boolean } }} error
   */
  async function onResponseError(error) {
    const original = error.config;
    if (error.status !== 401 || !original || original._retry) throw error;
    if (variant === 'retry-once' && isAuthPath(original.path)) throw error;
    emit('unauthorized', { ...meta(original), status: 401, code: error.code });
    if (variant === 'flag-and-queue' && refreshing) {
      emit('queued', { ...meta(original), refreshId: lastRefreshId });
      // No reject: it waits forever if the refresh fails.
      await new Promise((resolve) => queue.push(resolve));
    } else {
      original._retry = true;
      refreshing = true;
      // Variant 1: one refresh per 401. In either variant, a throw leaves `refreshing` true.
      await refresh('reactive');
      refreshing = false;
      queue.forEach((resolve) => resolve(session?.accessToken));
      queue = [];
    }
    original._retry = true;
    emit('replay', { ...meta(original), reason: 'refreshed' });
    return api.request(original);
  }
  api.interceptors.response.use(undefined, onResponseError);
  // #endregion

  /**
   * Requests as the app sees them: the same events as api.js.
   * @param {import('./silent-refresh.js').RequestInput} input
   */
  function request(input) {
    const ids = {
      requestId: ++lastRequestId,
      method: (input.method ?? 'GET').toUpperCase(),
      path: input.path ?? input.url ?? '',
    };
    emit('request', ids);
    return api.request({ ...input, requestId: ids.requestId }).then(
      (response) => {
        emit('done', { ...ids, status: response.status });
        return response.data;
      },
      (error) => {
        emit('error', { ...ids, status: error?.status, code: error?.code, error });
        throw error;
      },
    );
  }

  return {
    /** Same contract as api.js: only asks the server when the CSRF cookie exists. */
    async restore() {
      if (session) return getSession();
      if (!readCsrf()) return null;
      try {
        await refresh('restore');
        return getSession();
      } catch (error) {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) return null;
        throw error;
      }
    },
    async login(/** @type {string} */ username, /** @type {string} */ password) {
      const { data } = await api.post('/auth/login', { username, password }, { _retry: true });
      setSession(toSession(data), 'login');
      return session?.user ?? null;
    },
    /** The blog version has no prompt: a 403 reauth_required simply fails; this is the call. */
    async reauthenticate(/** @type {string} */ password) {
      const { data } = await api.post('/auth/reauth', { password }, { _retry: true });
      setSession(toSession(data), 'reauth');
      return session?.user ?? null;
    },
    async logout() {
      try {
        await api.post('/auth/logout', undefined, { _retry: true });
      } finally {
        setSession(null, 'logout');
      }
    },
    request,
    get: (/** @type {string} */ path, config = {}) => request({ ...config, method: 'GET', path }),
    post: (/** @type {string} */ path, /** @type {unknown} */ data, config = {}) =>
      request({ ...config, method: 'POST', path, data }),
    on,
    interceptors: {
      request: { use: api.interceptors.request.use, eject: api.interceptors.request.eject },
      response: { use: api.interceptors.response.use, eject: api.interceptors.response.eject },
    },
    getSession,
    /** Same demo hook as api.js: replace the in-memory token by hand. */
    setAccessToken(/** @type {string} */ token) {
      setSession(
        {
          ...(session ?? { user: null, accessTokenExpiresAt: null, sessionId: '' }),
          accessToken: token,
        },
        'set-token',
      );
    },
    /** The blog version has no proactive refresh: accepted for API compatibility, ignored. */
    setProactiveRefresh(/** @type {boolean} */ _enabled) {},
    /** Nothing runs in the background here; kept for API compatibility. */
    destroy() {},
    /** Same as api.js: move the whole session to `other`, no logout. @param {any} other */
    handSessionTo(other) {
      if (!session) return;
      other[RECEIVE_SESSION](getSession());
      setSession(null, 'handover');
    },
    [RECEIVE_SESSION]: (/** @type {Session} */ next) => setSession({ ...next }, 'handover'),
  };
}

/** The receiving end of handSessionTo, shared with api.js without an import. */
const RECEIVE_SESSION = Symbol.for('silent-refresh:receive-session');
