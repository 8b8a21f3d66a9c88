// docs/09-refresh-and-retry.md and docs/10-concurrency-and-the-queue.md: one refresh for a burst of 401s, requests sent during a
// refresh wait for it, stale 401s replay without refreshing, and each request
// is replayed at most once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeServer } from './helpers/fake-server.mjs';
import { drain, handled, nextEvent, recordEvents, requestsTo } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

async function loggedIn(serverOptions) {
  const server = createFakeServer(serverOptions);
  const { client, expired } = makeClient(server);
  await client.login('demo', 'password');
  return { server, client, expired };
}

const ofRequest = (events, requestId) =>
  events.filter((e) => e.requestId === requestId).map((e) => e.type);

describeEach('a burst of concurrent 401s', { timeout: 30_000 }, () => {
  for (const n of [1, 5, 100, 1000]) {
    test(`a burst of ${n} concurrent 401s makes exactly one refresh, then replays each with the new token`, async () => {
      // 2 ms round trips: all n requests leave before the first 401 comes back.
      const { server, client } = await loggedIn({ latencyMs: 2 });
      const oldToken = client.getSession().accessToken;
      server.expireAccessTokens();
      const events = recordEvents(client);

      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => client.get(`/aaa?i=${i}`)),
      );

      assert.equal(server.stats.refresh, 1, 'exactly one /auth/refresh');
      const newToken = client.getSession().accessToken;
      assert.notEqual(newToken, oldToken);
      // Every first attempt really went out with the old token and got a 401...
      const sent = requestsTo(server, '/aaa');
      assert.equal(sent.filter((req) => req.token === oldToken && req.status === 401).length, n);
      assert.equal(events.filter((e) => e.type === 'unauthorized').length, n);
      // ...and every replay went out once, with the new token.
      assert.equal(sent.filter((req) => req.token === newToken && req.status === 200).length, n);
      assert.equal(sent.length, 2 * n);
      // Each caller got its own replayed result.
      results.forEach((body, i) => {
        assert.equal(body.query, `i=${i}`);
        assert.equal(body.token, newToken);
      });
    });
  }
});

describeEach('requests during a refresh, stale 401s, replay once', { timeout: 10_000 }, () => {
  test('requests sent while a refresh is running wait for it instead of going out with the old token', async () => {
    const { server, client } = await loggedIn();
    const oldToken = client.getSession().accessToken;
    server.expireAccessTokens();
    const events = recordEvents(client);
    const refreshGate = server.hold('/auth/refresh');

    const first = client.get('/aaa?i=first');
    await refreshGate.arrived; // the refresh is at the server, not answered yet
    const late = [client.get('/aaa?i=late1'), client.get('/bbb?i=late2')];
    await drain(); // give them every chance to go out early

    assert.equal(
      server.log.filter((req) => req.path.includes('late')).length,
      0,
      'nothing sent during the refresh',
    );
    assert.equal(events.filter((e) => e.type === 'queued' && e.path.includes('late')).length, 2);

    refreshGate.release();
    const [firstBody, ...lateBodies] = await Promise.all([first, ...late]);
    const newToken = client.getSession().accessToken;
    assert.equal(server.stats.refresh, 1);
    assert.equal(firstBody.token, newToken);
    for (const body of lateBodies) assert.equal(body.token, newToken);
    const lateSent = server.log.filter((req) => req.path.includes('late'));
    assert.deepEqual(
      lateSent.map((req) => req.token),
      [newToken, newToken],
      'each sent once, with the new token',
    );
    assert.ok(!lateSent.some((req) => req.token === oldToken));
  });

  test('a 401 for a request sent with an older token is replayed without another refresh', async () => {
    const { server, client } = await loggedIn();
    const oldToken = client.getSession().accessToken;
    server.expireAccessTokens();
    const events = recordEvents(client);
    const slowGate = server.hold('/aaa'); // this one is slow on the server

    const slow = client.get('/aaa?i=slow');
    await slowGate.arrived;
    const fast = await client.get('/bbb?i=fast'); // 401, refresh, replay: done
    const newToken = client.getSession().accessToken;
    assert.equal(fast.token, newToken);
    assert.equal(server.stats.refresh, 1);

    slowGate.release(); // now the slow one's 401 (for the old token) comes back
    const slowBody = await slow;
    assert.equal(slowBody.token, newToken);
    assert.equal(server.stats.refresh, 1, 'no second refresh for a stale 401');
    const slowId = events.find((e) => e.type === 'request' && e.path === '/aaa?i=slow').requestId;
    assert.deepEqual(
      ofRequest(events, slowId),
      ['request', 'unauthorized', 'replay', 'done'],
      'never queued',
    );
    assert.equal(events.find((e) => e.type === 'replay' && e.requestId === slowId).reason, 'stale');
    assert.deepEqual(
      requestsTo(server, '/aaa').map((req) => req.token),
      [oldToken, newToken],
    );
  });

  test('a request is replayed at most once: a 401 after a successful refresh is an ApiError, not a loop', async () => {
    const { server, client, expired } = await loggedIn();
    // This endpoint refuses every token, fresh or not.
    server.route('/aaa', () => ({
      status: 401,
      body: { error: 'invalid_token', message: 'Not for you.' },
    }));
    await assert.rejects(client.get('/aaa'), {
      name: 'ApiError',
      status: 401,
      code: 'invalid_token',
    });
    assert.equal(server.stats.refresh, 1);
    assert.equal(requestsTo(server, '/aaa').length, 2, 'sent, replayed once, given up');
    assert.notEqual(client.getSession(), null, 'the refresh worked: the session is still alive');
    assert.equal(expired.length, 0);
  });

  test('a request that waited for a refresh and still gets a 401 is not refreshed again', async () => {
    const { server, client } = await loggedIn();
    server.expireAccessTokens();
    server.route('/bbb', () => ({
      status: 401,
      body: { error: 'invalid_token', message: 'Not for you.' },
    }));
    const refreshGate = server.hold('/auth/refresh');
    const first = client.get('/aaa');
    await refreshGate.arrived;
    const waiting = handled(client.get('/bbb')); // queued before sending, then sent with the new token; may fail before `first` is done
    refreshGate.release();
    await first;
    await assert.rejects(waiting, { status: 401, code: 'invalid_token' });
    assert.equal(server.stats.refresh, 1);
    assert.equal(requestsTo(server, '/bbb').length, 1);
  });

  test('after a burst, later 401s start a new refresh: nothing stays stuck in "refreshing"', async () => {
    const { server, client } = await loggedIn();
    server.expireAccessTokens();
    await Promise.all([client.get('/aaa'), client.get('/bbb')]);
    server.expireAccessTokens();
    const started = nextEvent(client, 'refresh-start');
    await Promise.all([client.get('/aaa'), client.get('/bbb')]);
    assert.equal((await started).refreshId, 2);
    assert.equal(server.stats.refresh, 2);
  });
});
