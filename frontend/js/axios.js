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
 * cross-tab lock and channel, the proactive timer, the events. It also owns
 * the 401 policy: this file calls its steps, in the order a call takes them,
 * and copies none of them:
 *
 * - request interceptor: the call starts (its id, the `request` event) and
 *   waits for a refresh in flight, or for one when its token has expired;
 * - the last step before the adapter, after every interceptor (a
 *   transformRequest): the URL axios will fetch passes the origin check, and
 *   only then is the access token attached (again on a replay: the new one);
 * - response interceptor: an error goes to the policy's `recover`, which joins
 *   or starts the one refresh, replays a stale 401, or refuses; the call is
 *   replayed once. Every other error passes through as the AxiosError it is.
 *
 * axios itself is not imported: you pass your instance in. It is typed
 * loosely here, so this file type-checks without axios installed.
 */
import { ApiError, SESSION_CORE, isAuthPath } from './api.js';

/**
 * @typedef {ReturnType<typeof import('./api.js').createApiClient>} ApiClient
 * @typedef {import('./silent-refresh.js').Session} Session
 * @typedef {import('./silent-refresh.js').RequestMeta} RequestMeta
 * @typedef {{ use(onFulfilled?: (value: any) => any, onRejected?: (error: any) => any): number,
 *   eject(id: number): void }} AxiosChain
 * @typedef {object} AxiosInstance only what we use of an axios instance
 * @property {{ request: AxiosChain, response: AxiosChain }} interceptors
 * @property {(config: any) => Promise<any>} request
 * @property {(config: any) => string} getUri
 * @property {{ transformRequest?: any }} defaults
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
    this.waited = false;
    /** It was replayed once: its next error is final. */
    this.replayed = false;
    /** @type {Session | null} the session whose token its last trip carried */
    this.sentWith = null;
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
 * removes it again. Use another instance for other sites: this one refuses
 * any origin but the API's (other_origin), as api.js does.
 * @param {AxiosInstance} instance e.g. axios.create({ baseURL })
 * @param {ApiClient} client the session owner, from createApiClient()
 */
export function installSilentRefresh(instance, client) {
  const core = client[SESSION_CORE];

  // #region axios-request
  /** Request interceptor: the call starts, and waits while a refresh runs. */
  async function beforeSend(/** @type {any} */ config) {
    let call = callOf(config);
    if (!call) {
      const meta = core.startCall(String(config.method ?? 'get'), String(config.url ?? ''));
      call = config[CALL] = new Call(meta);
      try {
        call.waited = await core.waitBeforeSending(meta);
      } catch (failure) {
        throw report(call, failure);
      }
    }
    call.sentWith = core.getSession();
    // Cookies travel only with /auth/* calls, as in api.js (the API is another origin).
    if (isAuthPath(call.meta.path)) config.withCredentials = true;
    return config;
  }

  /**
   * The last step before the adapter, after every request interceptor: the URL
   * axios will fetch must be on the API's origin, then the token is attached.
   * A per-request transformRequest replaces this one: then no token is sent.
   * @this {any} the request's config
   * @param {unknown} data
   * @param {any} headers
   */
  function attachToken(data, headers) {
    const call = callOf(this);
    if (!call) return data;
    try {
      core.checkOrigin(instance.getUri(this));
    } catch (refused) {
      throw report(call, refused);
    }
    const token = call.sentWith?.accessToken;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return data;
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

  /** Response interceptor, error: the policy decides; a call is replayed at most once. */
  async function onError(/** @type {any} */ error) {
    const call = callOf(error?.config);
    if (!call || reported.has(error)) throw error;
    if (call.replayed) throw report(call, error);
    const described = toApiError(error);
    try {
      await core.recover(described, call.sentWith, call.meta, call.waited);
    } catch (failure) {
      throw report(call, failure === described ? error : failure);
    }
    call.replayed = true;
    // Through the instance again: the last step attaches the new token.
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

  const transforms = instance.defaults.transformRequest;
  instance.defaults.transformRequest = [attachToken, ...[transforms ?? []].flat()];
  const requestId = instance.interceptors.request.use(beforeSend);
  const responseId = instance.interceptors.response.use(onResponse, onError);
  return function uninstall() {
    instance.defaults.transformRequest = transforms;
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
