// docs/08-request-interceptor.md: the request interceptor attaches the token; interceptor chains
// run in order, axios-like.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../frontend/js/api.js';
import { createFakeServer } from './helpers/fake-server.mjs';
import { makeClient, requestsTo } from './helpers/util.mjs';

async function loggedIn() {
  const server = createFakeServer();
  const { client } = makeClient(server);
  await client.login('demo', 'password');
  return { server, client };
}

describe('attach token and interceptor chains', { timeout: 10_000 }, () => {
  test('the request interceptor attaches Authorization: Bearer <access token>', async () => {
    const { server, client } = await loggedIn();
    const body = await client.get('/aaa');
    const [sent] = requestsTo(server, '/aaa');
    assert.equal(sent.headers.get('authorization'), `Bearer ${client.getSession().accessToken}`);
    assert.equal(body.data, 'aaa');
  });

  test('without a session no Authorization header is sent, and the 401 comes back as an error', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await assert.rejects(client.get('/aaa'), {
      name: 'ApiError',
      status: 401,
      code: 'missing_token',
    });
    const [sent] = requestsTo(server, '/aaa');
    assert.equal(sent.headers.get('authorization'), null);
    assert.equal(server.stats.refresh, 0, 'no refresh cookie, so no doomed refresh');
  });

  test('API calls do not send cookies; only /auth/* calls use credentials: include', async () => {
    const { server, client } = await loggedIn();
    await client.get('/aaa');
    assert.equal(requestsTo(server, '/aaa')[0].credentials, 'same-origin');
    assert.equal(requestsTo(server, '/auth/login')[0].credentials, 'include');
  });

  test('request interceptors run in the order they were added, after the token is attached', async () => {
    const { server, client } = await loggedIn();
    const seen = [];
    client.interceptors.request.use((config) => {
      seen.push(['first', config.headers.get('Authorization'), config.headers.get('X-Trace')]);
      config.headers.set('X-Trace', 'a');
      return config;
    });
    client.interceptors.request.use(async (config) => {
      seen.push(['second', config.headers.get('X-Trace')]);
      config.headers.set('X-Trace', `${config.headers.get('X-Trace')}b`);
      return config;
    });
    await client.get('/aaa');
    const token = client.getSession().accessToken;
    assert.deepEqual(seen, [
      ['first', `Bearer ${token}`, null],
      ['second', 'a'],
    ]);
    assert.equal(requestsTo(server, '/aaa')[0].headers.get('x-trace'), 'ab');
  });

  test('response interceptors run in order on the response; the call resolves with its data', async () => {
    const { client } = await loggedIn();
    client.interceptors.response.use((response) => {
      response.data.seen = [`one:${response.status}`];
      return response;
    });
    client.interceptors.response.use((response) => {
      response.data.seen.push('two');
      return response;
    });
    const body = await client.get('/aaa');
    assert.deepEqual(body.seen, ['one:200', 'two']);
  });

  test('a response onRejected can turn an error into a result, and the next onFulfilled sees it', async () => {
    const { server, client } = await loggedIn();
    server.route('/missing', () => ({
      status: 404,
      body: { error: 'not_found', message: 'Nope.' },
    }));
    client.interceptors.response.use(undefined, (error) => ({
      status: 299,
      data: { recovered: error.code },
    }));
    client.interceptors.response.use((response) => ({
      ...response,
      data: { ...response.data, status: response.status },
    }));
    assert.deepEqual(await client.get('/missing'), { recovered: 'not_found', status: 299 });
  });

  test('a request interceptor that throws rejects the call with its error, and nothing is sent', async () => {
    const { server, client } = await loggedIn();
    const boom = new Error('offline mode');
    client.interceptors.request.use(() => {
      throw boom;
    });
    await assert.rejects(client.get('/aaa'), (error) => error === boom);
    assert.equal(requestsTo(server, '/aaa').length, 0);
  });

  test('eject(id) removes an interceptor', async () => {
    const { server, client } = await loggedIn();
    const id = client.interceptors.request.use((config) => {
      config.headers.set('X-Ejected', 'no');
      return config;
    });
    assert.equal(typeof id, 'number');
    client.interceptors.request.eject(id);
    await client.get('/aaa');
    assert.equal(requestsTo(server, '/aaa')[0].headers.get('x-ejected'), null);
  });

  test('request interceptors run again on a replay, which carries the new token', async () => {
    const { server, client } = await loggedIn();
    const oldToken = client.getSession().accessToken;
    server.expireAccessTokens();
    const seen = [];
    client.interceptors.request.use((config) => {
      seen.push(config.headers.get('Authorization'));
      return config;
    });
    await client.get('/aaa');
    const newToken = client.getSession().accessToken;
    assert.notEqual(newToken, oldToken);
    assert.deepEqual(seen, [`Bearer ${oldToken}`, `Bearer ${newToken}`]);
  });

  test('post() sends data as JSON; request() takes an axios-like config', async () => {
    const { server, client } = await loggedIn();
    server.route('/echo', (req) => ({
      status: 200,
      body: {
        method: req.method,
        got: req.body,
        type: req.headers.get('content-type'),
        custom: req.headers.get('x-custom'),
      },
    }));
    assert.deepEqual(await client.post('/echo', { a: 1 }), {
      method: 'POST',
      got: { a: 1 },
      type: 'application/json',
      custom: null,
    });
    const viaRequest = await client.request({
      method: 'put',
      url: '/echo',
      data: [2],
      headers: { 'X-Custom': 'yes' },
    });
    assert.deepEqual(viaRequest, {
      method: 'PUT',
      got: [2],
      type: 'application/json',
      custom: 'yes',
    });
  });

  test('errors are ApiError instances with status, code, message and requestId', async () => {
    const { server, client } = await loggedIn();
    server.route('/teapot', () => ({
      status: 418,
      body: { error: 'teapot', message: 'I am a teapot.' },
    }));
    const error = await client.get('/teapot').catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.ok(error instanceof Error);
    assert.equal(error.status, 418);
    assert.equal(error.code, 'teapot');
    assert.equal(error.message, 'I am a teapot.');
    assert.equal(typeof error.requestId, 'number');
  });
});
