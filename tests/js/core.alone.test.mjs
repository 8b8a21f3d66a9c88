// The file to copy works alone (README "What is where"; docs/08-request-interceptor.md):
// this test imports ONLY frontend/js/silent-refresh.js, no extra, no api.js.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, createSilentRefresh } from '../../frontend/js/silent-refresh.js';
import { createFakeServer } from './helpers/fake-server.mjs';
import { settleAll } from './helpers/util.mjs';

function coreClient(server) {
  const expired = [];
  const client = createSilentRefresh({
    baseURL: 'http://api.test',
    fetch: server.fetch,
    readCsrfToken: server.readCsrfToken,
    onSessionExpired: (error) => expired.push(error),
  });
  return { client, expired };
}

describe('silent-refresh.js on its own', { timeout: 10_000 }, () => {
  test('a burst of 50 calls with an expired token makes one refresh and every call gets its answer', async () => {
    const server = createFakeServer({ latencyMs: 2 });
    const { client, expired } = coreClient(server);
    await client.login('demo', 'password');
    const before = client.getSession().accessToken;
    server.expireAccessTokens();
    const results = await settleAll(
      Array.from({ length: 50 }, (_, i) => client.request({ path: `/aaa?i=${i}` })),
      server,
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(50).fill('fulfilled'),
    );
    assert.ok(
      results.every(
        (r) => r.value.data === 'aaa' && r.value.token === client.getSession().accessToken,
      ),
    );
    assert.notEqual(client.getSession().accessToken, before);
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(server.refreshFailures, []);
    assert.equal(expired.length, 0);
  });

  test('a refused refresh rejects the whole burst with session_expired and tells the app once', async () => {
    const server = createFakeServer();
    const { client, expired } = coreClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_revoked', message: 'Revoked.' },
    }));
    const results = await settleAll(
      Array.from({ length: 10 }, () => client.request({ path: '/aaa' }).catch((e) => e)),
      server,
    );
    assert.ok(
      results.every((r) => r.value instanceof ApiError && r.value.code === 'session_expired'),
    );
    assert.equal(server.stats.refresh, 1);
    assert.equal(expired.length, 1);
    assert.equal(client.getSession(), null);
  });
});

describe('the token goes to the API origin only', { timeout: 10_000 }, () => {
  test('an absolute URL on another origin is refused with other_origin, and nothing is sent', async () => {
    const server = createFakeServer();
    const { client } = coreClient(server);
    await client.login('demo', 'password');
    const sent = server.log.length;
    for (const url of [
      'http://other-host/collect',
      'https://api.test/aaa',
      'http://api.test:8080/aaa',
    ]) {
      await assert.rejects(
        client.request({ path: url }),
        (error) =>
          error instanceof ApiError &&
          error.code === 'other_origin' &&
          error.status === 0 &&
          error.message.includes('http://api.test'),
      );
    }
    assert.equal(server.log.length, sent, 'no request left the client');
  });

  test('an absolute URL on the API origin is sent with the token as usual', async () => {
    const server = createFakeServer();
    const { client } = coreClient(server);
    await client.login('demo', 'password');
    const answer = await client.request({ path: 'http://api.test/aaa' });
    assert.equal(answer.token, client.getSession().accessToken);
  });
});
