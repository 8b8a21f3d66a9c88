// One 401 policy for every transport (docs/18-using-axios.md): the fetch client
// and an axios instance on the same api.js client share one session, one
// refresh in flight and one backoff, because both call the core's policy steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import { axiosFor, clients } from './helpers/clients.mjs';
import { handled, makeClient, requestsTo, settleAll } from './helpers/util.mjs';
import { toApiError } from '../../frontend/js/axios.js';

const axiosMissing = clients.find((entry) => entry.name === 'axios adapter').skip;

test(
  'a refresh that failed 503 on the fetch path holds an axios 401 in its backoff: one refresh, refresh_unavailable',
  { skip: axiosMissing, timeout: 10_000 },
  async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client } = makeClient(server, { clock });
    const http = axiosFor(server, client);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 503,
      headers: { 'Retry-After': '30' },
      body: { error: 'unavailable', message: 'Down.' },
    }));
    const first = await client.get('/aaa').catch((e) => e);
    assert.equal(first.code, 'refresh_unavailable', 'the fetch path: the backoff starts');
    assert.equal(server.stats.refresh, 1);

    await clock.advance(1_000);
    const [viaAxios] = await settleAll([handled(http.get('/bbb'))], server);
    assert.equal(viaAxios.status, 'rejected');
    assert.equal(requestsTo(server, '/bbb')[0].status, 401, 'axios got its 401');
    const error = toApiError(viaAxios.reason);
    assert.equal(error.code, 'refresh_unavailable');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 30_000);
    assert.equal(server.stats.refresh, 1, 'the axios 401 starts no second refresh');
  },
);
