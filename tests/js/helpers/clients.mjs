// One suite, two clients. The behaviour suites (api.*.test.mjs) describe
// their tests with describeEach, which runs them once against the fetch
// client (api.js's own request()) and once against an axios instance with
// frontend/js/axios.js installed. Inside a test, makeClient(server, options)
// builds whichever client is under test; both share one fake server.
//
// The axios client is a thin view for the suites: the session methods
// (login, restore, logout, getSession, on, ...) are api.js's, and get/post/
// request go through axios and resolve with response.data, as api.js's do.
// Its errors are axios's own; the view reads them with the adapter's
// toApiError, the same function apps use, so the suites' assertions hold
// for both clients unchanged.
//
// axios is a test-only dependency (npm ci --prefix tests/axios, which
// `make test` runs); without it the axios half skips, and fails in CI.

import { beforeEach, describe } from 'node:test';
import { installSilentRefresh, toApiError } from '../../../frontend/js/axios.js';
import { BASE_URL, makeClient as makeFetchClient } from './util.mjs';

export let axios = null;
let axiosMissing = false;
try {
  ({ default: axios } = await import('../../axios/node_modules/axios/index.js'));
} catch {
  axiosMissing = 'axios is not installed: run npm ci --prefix tests/axios (make test does)';
  if (process.env.SILENT_REFRESH_REQUIRE_ALL)
    throw new Error(`required in CI but unavailable: ${axiosMissing}`);
}

/**
 * axios's fetch adapter hands fetch a Request object; the fake server reads
 * (url, init) as api.js passes them. Same request, spelt the other way.
 */
function fetchFromRequest(serverFetch) {
  return async (input, init) => {
    if (!(input instanceof Request)) return serverFetch(input, init);
    const body = ['GET', 'HEAD'].includes(input.method)
      ? undefined
      : (await input.text()) || undefined;
    return serverFetch(input.url, {
      method: input.method,
      headers: input.headers,
      body,
      credentials: input.credentials,
      signal: input.signal,
    });
  };
}

/** An axios instance talking to the fake server, with axios.js installed on `client`. */
export function axiosFor(server, client, config = {}) {
  const http = axios.create({
    baseURL: BASE_URL,
    adapter: 'fetch',
    env: { fetch: fetchFromRequest(server.fetch) },
    ...config,
  });
  installSilentRefresh(http, client);
  return http;
}

/** The axios client: api.js's session, axios's requests. Same arguments as util.mjs's makeClient. */
export function makeAxiosClient(server, overrides = {}) {
  const { client, expired } = makeFetchClient(server, overrides);
  const http = axiosFor(server, client);
  const request = ({ path, url, ...config }) =>
    http.request({ ...config, url: path ?? url }).then(
      (response) => response.data,
      (error) => {
        throw toApiError(error);
      },
    );
  return {
    client: {
      ...client,
      http,
      request,
      get: (path, config = {}) => request({ ...config, method: 'GET', path }),
      post: (path, data, config = {}) => request({ ...config, method: 'POST', path, data }),
    },
    expired,
  };
}

export const clients = [
  { name: 'fetch client', makeClient: makeFetchClient, skip: false },
  { name: 'axios adapter', makeClient: makeAxiosClient, skip: axiosMissing },
];

let current = clients[0];

/** The client under test: a fetch client, or the axios view of one. */
export function makeClient(server, overrides = {}) {
  return current.makeClient(server, overrides);
}

/** describe(), once per client; the title says which. */
export function describeEach(title, options, fn) {
  for (const entry of clients) {
    describe(`${title} [${entry.name}]`, { ...options, skip: entry.skip }, () => {
      beforeEach(() => {
        current = entry;
      });
      fn();
    });
  }
}
