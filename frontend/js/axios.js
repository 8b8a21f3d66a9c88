// @ts-check
/**
 * axios.js: the silent refresh of api.js on YOUR axios instance.
 *
 *   import axios from 'axios';
 *   import { createApiClient } from './api.js';
 *   import { installSilentRefresh } from './axios.js';
 *
 *   const api = createApiClient({ baseURL, onSessionExpired() { showLogin(); } });
 *   const http = axios.create({ baseURL });
 *   installSilentRefresh(http, api);
 *   await api.restore();                  // or api.login(username, password)
 *   const { data } = await http.get('/aaa');
 *
 * The client from api.js keeps the session: login, logout, restore, the
 * single-flight refresh (a plain fetch, outside any interceptor), the
 * cross-tab lock and channel, the proactive timer, the events. This file
 * copies none of it. It adds two interceptors that do, for axios calls, what
 * api.js's own request() does for fetch calls:
 *
 * - request: a call sent while a refresh runs waits for it; then the current
 *   access token is attached (again on a replay, so a replay carries the new one);
 * - response: a 401 from an API route joins the one refresh (or starts it),
 *   then the call is replayed once; a 401 for an older token than the current
 *   one is replayed without a refresh (stale); a refresh that fails rejects
 *   every waiting call with the client's one `session_expired` ApiError.
 *   Every other error is passed through as the AxiosError it is.
 *
 * axios itself is not imported: you pass your instance in. It is typed
 * loosely here, so this file type-checks without axios installed.
 */
import { ApiError, SESSION_CORE, isAuthPath } from './api.js';

/**
 * @typedef {ReturnType<typeof import('./api.js').createApiClient>} ApiClient
 * @typedef {{ interceptors: { request: AxiosChain, response: AxiosChain }, request(config: any): Promise<any> }} AxiosInstance
 *   Only what we use of an axios instance.
 * @typedef {{ use(onFulfilled?: (value: any) => any, onRejected?: (error: any) => any): number,
 *   eject(id: number): void }} AxiosChain
 * @typedef {{ requestId: number, method: string, path: string }} RequestMeta
 */

/**
 * What we know about one call, kept on its axios config. A class instance,
 * not a plain object: axios copies plain objects when it merges a config for
 * the replay, and we want the replay to see the same state.
 */
class Call {
  /** @param {RequestMeta} meta */
  constructor(meta) {
    this.meta = meta;
    /** It waited for a refresh before it was sent: its 401 is final. */
    this.refreshed = false;
    /** It was replayed once: its next 401 is final. */
    this.replayed = false;
    /** @type {string | null} the access token its last trip carried */
    this.token = null;
    this.settled = false;
  }
}

const CALL = '__silentRefreshCall';

/** @param {any} config @returns {Call | null} */
function callOf(config) {
  const call = config?.[CALL];
  return call instanceof Call ? call : null;
}

/**
 * Install the silent refresh on an axios instance. Returns a function that
 * removes it again.
 * @param {AxiosInstance} instance e.g. axios.create({ baseURL })
 * @param {ApiClient} client the session owner, from createApiClient()
 */
export function installSilentRefresh(instance, client) {
  const core = client[SESSION_CORE];

  // #region axios-request
  /** Request interceptor: wait while a refresh runs, then attach the token. */
  async function beforeSend(/** @type {any} */ config) {
    let call = callOf(config);
    if (!call) {
      const meta = {
        requestId: core.nextRequestId(),
        method: String(config.method ?? 'get').toUpperCase(),
        path: String(config.url ?? ''),
      };
      call = config[CALL] = new Call(meta);
      core.emit('request', meta);
      // Sent while a refresh runs? Wait for it rather than go out with the old token.
      const running = core.refreshing();
      if (running) {
        try {
          await core.waitForRefresh(running, meta);
        } catch (expired) {
          throw report(call, expired);
        }
        call.refreshed = true;
      }
    }
    const token = client.getSession()?.accessToken ?? null;
    if (token) config.headers.Authorization = `Bearer ${token}`;
    call.token = token;
    // Cookies travel only with /auth/* calls, as in api.js (the API is another origin).
    if (isAuthPath(call.meta.path)) config.withCredentials = true;
    return config;
  }
  // #endregion

  // #region axios-response
  /** Response interceptor, success: the call is done. */
  function onResponse(/** @type {any} */ response) {
    const call = callOf(response?.config);
    if (call && !call.settled) {
      call.settled = true;
      core.emit('done', { ...call.meta, status: response.status });
    }
    return response;
  }

  /** Response interceptor, error: a 401 is refreshed and replayed once; the rest passes through. */
  async function onError(/** @type {any} */ error) {
    const call = callOf(error?.config);
    if (!call || reported.has(error)) throw error;
    const status = error.response?.status;
    if (status !== 401 || isAuthPath(call.meta.path) || call.replayed) throw report(call, error);
    core.emit('unauthorized', { ...call.meta, status: 401, code: error.response.data?.error });
    // A 401 for a token we just got: replaying again could only loop.
    if (call.refreshed) throw report(call, error);

    let reason = 'refreshed';
    try {
      const running = core.refreshing();
      if (running) {
        await core.waitForRefresh(running, call.meta); // a refresh is running: join it
      } else if (core.isStale(call.token)) {
        reason = 'stale'; // somebody already refreshed while we were in flight
      } else if (!client.getSession() && !core.mayHaveRefreshCookie()) {
        throw error; // nobody is logged in: nothing to refresh
      } else {
        await core.waitForRefresh(core.refresh(), call.meta); // the first 401 starts the one refresh
      }
    } catch (failure) {
      throw report(call, failure); // the client's session_expired ApiError, or the 401 itself
    }
    call.replayed = true;
    core.emit('replay', { ...call.meta, reason });
    // Through the instance again: the request interceptor attaches the new token.
    return instance.request(error.config);
  }
  // #endregion

  /** Errors already reported with an 'error' event (a replay's error passes through us twice). */
  const reported = new WeakSet();

  /** Emit the call's 'error' event, once, and hand the error back to be thrown. */
  function report(/** @type {Call} */ call, /** @type {any} */ error) {
    if (error && typeof error === 'object' && !reported.has(error)) {
      reported.add(error);
      call.settled = true;
      const described = toApiError(error);
      core.emit('error', {
        ...call.meta,
        status: described?.status,
        code: described?.code,
        error: described,
      });
    }
    return error;
  }

  const requestId = instance.interceptors.request.use(beforeSend);
  const responseId = instance.interceptors.response.use(onResponse, onError);
  return function uninstall() {
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}

/** @type {WeakMap<object, ApiError>} */
const described = new WeakMap();

/**
 * An axios error read as the fetch client's ApiError: status (0 without an
 * answer), the server's `error` code and message, the parsed body, the
 * request id. The events carry this one, so the demo's timeline reads both
 * clients alike; callers get axios's own error, and toApiError(error) gives
 * them the very same ApiError the 'error' event carried. An ApiError (such as
 * session_expired) is returned as it is, and so is anything that is not an
 * axios error.
 * @param {any} error
 * @returns {any}
 */
export function toApiError(error) {
  if (error instanceof ApiError || !error?.isAxiosError) return error;
  const known = described.get(error);
  if (known) return known;
  const requestId = callOf(error.config)?.meta.requestId;
  const path = String(error.config?.url ?? '');
  let apiError;
  if (error.response) {
    const data = error.response.data === '' ? null : error.response.data;
    const body = data && typeof data === 'object' ? data : {};
    apiError = new ApiError(body.message || `HTTP ${error.response.status} from ${path}`, {
      status: error.response.status,
      code: body.error || 'http_error',
      data,
      requestId,
      cause: error,
    });
  } else if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
    apiError = new ApiError(`No answer from ${path} in time`, {
      code: 'timeout',
      requestId,
      cause: error,
    });
  } else {
    // axios wraps fetch's TypeError (or the XHR's error event): keep what failed underneath.
    apiError = new ApiError(`Network error: ${path} could not be reached`, {
      code: 'network_error',
      requestId,
      cause: error.cause ?? error,
    });
  }
  described.set(error, apiError);
  return apiError;
}
