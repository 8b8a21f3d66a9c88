// The naive "blog" client, against the same fake server: it works one request
// at a time, makes N refreshes for N concurrent 401s, and, against rotation
// with reuse detection, gets the user logged out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeServer } from './helpers/fake-server.mjs';
import { handled, makeClient, makeNaiveClient, recordEvents, settleAll } from './helpers/util.mjs';

describe('the naive client (what the demo compares against)', { timeout: 10_000 }, () => {
  test('one request at a time, the naive client looks fine: a 401, one refresh, one replay', async () => {
    const server = createFakeServer();
    const { client } = makeNaiveClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    const events = recordEvents(client);
    assert.equal((await client.get('/aaa')).data, 'aaa');
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(
      events.filter((e) => e.requestId).map((e) => e.type),
      ['request', 'unauthorized', 'replay', 'done'],
    );
  });

  for (const n of [5, 20]) {
    test(`the naive client makes ${n} refresh calls for ${n} concurrent 401s, and reuse detection ends the session`, async () => {
      const server = createFakeServer({ latencyMs: 2 });
      const { client, expired } = makeNaiveClient(server);
      await client.login('demo', 'password');
      const family = server.currentFamily();
      server.expireAccessTokens();

      const results = await settleAll(
        Array.from({ length: n }, (_, i) => handled(client.get(`/aaa?i=${i}`))),
        server,
      );

      assert.equal(server.stats.refresh, n, 'one refresh per 401');
      // The first refresh spent the token; the second presented it again:
      // to the server that is token theft, so it revoked the whole family.
      assert.equal(server.stats.refreshOk, 1);
      assert.equal(server.refreshFailures[0], 'token_reused');
      assert.equal(server.isFamilyRevoked(family), true);
      assert.equal(client.getSession(), null, 'the user is logged out');
      assert.equal(expired.length, n - 1, 'and told so once per failed refresh');
      const failed = results.filter((r) => r.status === 'rejected');
      assert.ok(failed.length >= n - 1);
      assert.ok(failed.some((r) => r.reason.code === 'token_reused'));
      // The cookie is dead: reloading the page would not bring the session back.
      assert.equal(await client.restore(), null);
    });
  }

  test('the queued client, same burst, same server: one refresh and the user stays logged in', async () => {
    const server = createFakeServer({ latencyMs: 2 });
    const { client, expired } = makeClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`/aaa?i=${i}`)));
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(server.refreshFailures, []);
    assert.notEqual(client.getSession(), null);
    assert.equal(expired.length, 0);
  });

  test('the naive client replays each request at most once too (the blog code gets that part right)', async () => {
    const server = createFakeServer();
    const { client } = makeNaiveClient(server);
    await client.login('demo', 'password');
    server.route('/aaa', () => ({ status: 401, body: { error: 'invalid_token', message: 'No.' } }));
    await assert.rejects(client.get('/aaa'), { status: 401, code: 'invalid_token' });
    assert.equal(server.stats.refresh, 1);
  });

  test('the naive client has the same methods as the queued one, so the demo can switch', async () => {
    const server = createFakeServer();
    const queued = makeClient(server).client;
    const naive = makeNaiveClient(server).client;
    const shape = (client) =>
      Object.keys(client)
        .sort()
        .map((key) => [key, typeof client[key]]);
    assert.deepEqual(shape(naive), shape(queued));
    assert.deepEqual(
      Object.keys(naive.interceptors.request).sort(),
      Object.keys(queued.interceptors.request).sort(),
    );
    assert.deepEqual(
      Object.keys(naive.interceptors.response).sort(),
      Object.keys(queued.interceptors.response).sort(),
    );
  });

  test('the naive client restores, logs in and logs out like the queued one', async () => {
    const server = createFakeServer();
    const { client } = makeNaiveClient(server);
    assert.equal(await client.restore(), null);
    assert.equal(server.log.length, 0);
    const user = await client.login('demo', 'password');
    assert.equal(user.username, 'demo');
    const other = makeNaiveClient(server).client;
    assert.equal((await other.restore()).user.username, 'demo');
    await other.logout();
    assert.equal(other.getSession(), null);
    assert.equal(server.stats.logout, 1);
  });

  test('variant 2 (flag and queue): one refresh per burst, but a failed refresh leaves every queued call hanging', async () => {
    const server = createFakeServer({ latencyMs: 2 });
    const { client } = makeNaiveClient(server, { variant: 'flag-and-queue' });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.get(`/aaa?i=${i}`)));
    assert.equal(server.stats.refresh, 1, 'the flag and the queue fix bug 1');

    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_revoked', message: 'Revoked.' },
    }));
    const calls = Array.from({ length: 3 }, () => handled(client.get('/bbb')));
    await assert.rejects(
      settleAll(calls, server),
      /still pending/,
      'the queue has no reject: they wait forever',
    );
    // ...and the flag stayed true: a call made later queues behind a refresh that is not running.
    await assert.rejects(
      settleAll([handled(client.get('/aaa'))], server),
      /1 of 1 promises are still pending/,
    );
  });
});
