// @ts-check
/**
 * http.js: the axios-like HTTP helpers both clients share: interceptor
 * chains, and a plain instance (request/get/post on fetchJson) with no
 * refresh logic at all, which naive.js builds the blog code on.
 */
import { ApiError, fetchJson, isAuthPath } from './silent-refresh.js';

export { ApiError, isAuthPath };

/**
 * @typedef {import('./silent-refresh.js').RequestInput} RequestInput
 * @typedef {import('./silent-refresh.js').RequestConfig} RequestConfig
 * @typedef {import('./silent-refresh.js').ApiResponse} ApiResponse
 * @typedef {{ onFulfilled?: (value: any) => any, onRejected?: (error: any) => any }} Handler
 * @typedef {{ use(onFulfilled?: Handler['onFulfilled'],
 *   onRejected?: Handler['onRejected']): number, eject(id: number): void }} InterceptorChain
 */

// #region interceptors
/**
 * An axios-style interceptor chain: `use` adds a pair of handlers and returns
 * its id, `eject(id)` removes it. `run` threads a promise through them in the
 * order they were added (axios runs request interceptors in reverse; we
 * don't): a throw switches to the onRejected track, an onRejected that
 * returns switches back. Success and failure are a promise's two outcomes.
 */
export function createInterceptorChain() {
  /** @type {Array<Handler | null>} */
  const handlers = [];
  return {
    /** @type {InterceptorChain['use']} */
    use(onFulfilled, onRejected) {
      handlers.push({ onFulfilled, onRejected });
      return handlers.length - 1;
    },
    /** @type {InterceptorChain['eject']} */
    eject(id) {
      handlers[id] = null;
    },
    /** @template T @param {Promise<T>} start @returns {Promise<T>} */
    run(start) {
      return handlers.reduce(
        (promise, handler) =>
          handler ? promise.then(handler.onFulfilled, handler.onRejected) : promise,
        start,
      );
    },
  };
}
// #endregion

/**
 * A plain axios-like instance: request interceptors, fetch, response
 * interceptors. No token, no refresh: whoever uses it adds those as
 * interceptors (naive.js does, as the blog posts do).
 * @param {{ baseURL?: string, fetch?: typeof fetch }} [options]
 */
export function createHttpClient({
  baseURL = '',
  fetch: fetchImpl = (input, init) => globalThis.fetch(input, init),
} = {}) {
  const requestChain = createInterceptorChain();
  const responseChain = createInterceptorChain();
  let lastRequestId = 0;

  /**
   * One trip. A config that comes back (a replay) keeps its requestId and
   * any flag set on it, such as the blog code's `_retry`.
   * @param {RequestInput & { requestId?: number, [flag: string]: any }} input
   * @returns {Promise<ApiResponse>}
   */
  function request(input) {
    /** @type {RequestConfig} */
    const config = {
      ...input,
      method: (input.method ?? 'GET').toUpperCase(),
      path: input.path ?? input.url ?? '',
      data: input.data,
      headers: new Headers(input.headers),
      requestId: input.requestId ?? ++lastRequestId,
    };
    const sent = requestChain.run(Promise.resolve(config)).then((trip) => {
      /** @type {RequestInit} */
      const init = { method: trip.method, headers: trip.headers };
      if (trip.data !== undefined) {
        if (!trip.headers.has('Content-Type')) trip.headers.set('Content-Type', 'application/json');
        init.body = JSON.stringify(trip.data);
      }
      // The API is another origin: cookies travel with /auth/* calls only.
      if (isAuthPath(trip.path)) init.credentials = 'include';
      const url = /^https?:\/\//i.test(trip.path)
        ? trip.path
        : baseURL.replace(/\/$/, '') + trip.path;
      return fetchJson(url, init, { fetch: fetchImpl, config: trip });
    });
    return responseChain.run(sent);
  }

  return {
    request,
    get: (/** @type {string} */ path, /** @type {Record<string, any>} */ config = {}) =>
      request({ ...config, method: 'GET', path }),
    post: (
      /** @type {string} */ path,
      /** @type {unknown} */ data,
      /** @type {Record<string, any>} */ config = {},
    ) => request({ ...config, method: 'POST', path, data }),
    interceptors: { request: requestChain, response: responseChain },
  };
}
