// docs/08-request-interceptor.md: the access token goes to the API's origin only,
// whichever transport sends it. The check runs where the request leaves, after
// every interceptor, with the same code (the core's checkOrigin) for fetch and axios.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { installSilentRefresh, toApiError } from '../../frontend/js/axios.js';
import { createFakeServer } from './helpers/fake-server.mjs';
import { axios, axiosFor, clients } from './helpers/clients.mjs';
import { BASE_URL, makeClient } from './helpers/util.mjs';

const axiosMissing = clients.find((entry) => entry.name === 'axios adapter').skip;
const API_ORIGIN = new URL(BASE_URL).origin;

/** A fake server that also records every URL it was asked for, with its Authorization. */
function recordingServer() {
  const server = createFakeServer();
  const serve = server.fetch;
  server.sent = [];
  server.fetch = (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = input instanceof Request ? input.headers : new Headers(init.headers);
    server.sent.push({ url: new URL(url, BASE_URL), auth: headers.get('authorization') });
    return serve(input, init);
  };
  return server;
}

/** No request that left carried a token to another origin. */
function assertTokenStayedHome(server) {
  const leaked = server.sent.filter((req) => req.auth && req.url.origin !== API_ORIGIN);
  assert.deepEqual(
    leaked.map((req) => req.url.href),
    [],
  );
}

const otherOrigins = [
  'http://localhost:9/steal',
  'HTTP://127.0.0.1:9/steal',
  'http://api.test@evil.test/steal',
  'http://api.test:80@evil.test/steal',
  'https://api.test/steal',
];

const transports = [
  {
    name: 'fetch client',
    skip: false,
    async setup(server, rewrite) {
      const { client } = makeClient(server);
      if (rewrite) client.interceptors.request.use((config) => ({ ...config, path: rewrite }));
      await client.login('demo', 'password');
      return (path) => client.get(path);
    },
  },
  {
    name: 'axios adapter',
    skip: axiosMissing,
    async setup(server, rewrite) {
      const { client } = makeClient(server);
      let get;
      if (rewrite) {
        // axios runs request interceptors last-added first: one added before
        // installSilentRefresh runs after ours, the last word before the adapter.
        const http = axios.create({
          baseURL: BASE_URL,
          adapter: 'fetch',
          env: { fetch: server.fetch },
        });
        http.interceptors.request.use((config) => ({ ...config, url: rewrite }));
        installSilentRefresh(http, client);
        get = (path) => http.get(path);
      } else {
        const http = axiosFor(server, client);
        get = (path) => http.get(path);
      }
      await client.login('demo', 'password');
      return (path) =>
        get(path).then(
          (response) => response.data,
          (error) => {
            throw toApiError(error);
          },
        );
    },
  },
];

for (const transport of transports) {
  describe(`the token stays home [${transport.name}]`, { skip: transport.skip }, () => {
    for (const url of [...otherOrigins, '//localhost:9/steal']) {
      test(`${url} never gets the token`, async () => {
        const server = recordingServer();
        const get = await transport.setup(server);
        const outcome = await get(url).then(
          (data) => ({ data }),
          (error) => ({ error }),
        );
        assertTokenStayedHome(server);
        // The fetch client reads '//host/path' as a path on the API; axios as another origin.
        const sentHome = server.sent.some(
          (req) => req.url.origin === API_ORIGIN && req.url.pathname.endsWith('/steal'),
        );
        if (!sentHome) assert.equal(outcome.error?.code, 'other_origin');
      });
    }

    test('a request interceptor that moves the call to another origin is refused after it ran', async () => {
      const server = recordingServer();
      const get = await transport.setup(server, 'http://evil.test/steal');
      const before = server.sent.length;
      await assert.rejects(get('/aaa'), { code: 'other_origin' });
      assert.equal(server.sent.length, before, 'nothing was sent');
      assertTokenStayedHome(server);
    });

    test('a call to the API origin still carries the token', async () => {
      const server = recordingServer();
      const get = await transport.setup(server);
      assert.equal((await get(`${BASE_URL}/aaa`)).data, 'aaa');
      assert.match(server.sent.at(-1).auth, /^Bearer /);
    });
  });
}
