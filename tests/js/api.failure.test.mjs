// docs/11-failure-paths.md: a refused refresh rejects every waiting request
// with one clear error and ends the session; a refresh that could not be done
// (network, timeout, 5xx, 429) rejects them with a retryable error and keeps
// it; nothing ever hangs. Non-401 errors, and 401s from /auth/*, pass through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../frontend/js/api.js';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import {
  handled,
  nextEvent,
  recordEvents,
  requestsTo,
  settleAll,
  settledState,
} from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

describeEach('a refused refresh (401) ends the session', { timeout: 10_000 }, () => {
  test('when the refresh answers 401 token_reused, every waiting request gets one clear ApiError and nothing hangs', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client, expired } = makeClient(server, { clock, refreshTimeoutMs: 5_000 });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_reused', message: 'Reused.' },
    }));
    const events = recordEvents(client);

    const started = nextEvent(client, 'refresh-start');
    const burst = Array.from({ length: 20 }, (_, i) => handled(client.get(`/aaa?i=${i}`)));
    await started;
    const late = handled(client.get('/bbb')); // sent while the refresh runs
    const results = await settleAll([...burst, late], server); // throws if any is still pending
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const error = result.reason;
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, 'session_expired');
      assert.equal(error.status, 401);
      assert.equal(error.retryable, false);
      assert.equal(typeof error.requestId, 'number');
      assert.ok(error.cause instanceof ApiError);
      assert.equal(error.cause.code, 'token_reused');
    }
    assert.equal(
      new Set(results.map((r) => r.reason.requestId)).size,
      21,
      'each error names its own request',
    );
    assert.equal(server.stats.refresh, 1);
    assert.equal(expired.length, 1, 'onSessionExpired exactly once');
    assert.equal(expired[0].code, 'session_expired');
    assert.equal(expired[0].cause.code, 'token_reused');
    assert.equal(client.getSession(), null, 'session cleared');
    const end = events.find((e) => e.type === 'refresh-end');
    assert.equal(end.ok, false);
    assert.equal(end.error.code, 'token_reused');
    assert.deepEqual(clock.pending(), [], 'no timer left behind');
    assert.equal(server.inFlight, 0);
  });

  test('after a refused refresh the client works again: the next login and refresh go through', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_revoked', message: 'Revoked.' },
    }));
    await assert.rejects(client.get('/aaa'), { code: 'session_expired' });
    server.route('/auth/refresh', null);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    assert.equal((await client.get('/aaa')).data, 'aaa');
    assert.equal(server.stats.refresh, 2);
  });

  test('a 401 that arrives after the session ended starts no second doomed refresh', async () => {
    const server = createFakeServer();
    const { client, expired } = makeClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_revoked', message: 'Revoked.' },
    }));
    const slowGate = server.hold('/bbb');
    const slow = handled(client.get('/bbb'));
    await slowGate.arrived;
    await assert.rejects(client.get('/aaa'), { code: 'session_expired' });
    slowGate.release();
    await assert.rejects(slow, { status: 401, code: 'token_expired' });
    assert.equal(server.stats.refresh, 1);
    assert.equal(expired.length, 1);
  });
});

// Transient failures (docs/11-failure-paths.md#a-refresh-that-could-not-be-done):
// the server never said "no", so the session stays.
const transient = [
  { name: 'fails with a network error', code: 'network_error', status: 0, script: () => 'network' },
  // A timeout may be a lost answer: the client tries once more with the same cookie.
  { name: 'times out', code: 'timeout', status: 0, script: () => 'hang', attempts: 2 },
  {
    name: 'answers 503',
    code: 'unavailable',
    status: 503,
    script: () => ({ status: 503, body: { error: 'unavailable', message: 'Down.' } }),
  },
  {
    name: 'answers 429',
    code: 'rate_limited',
    status: 429,
    script: () => ({ status: 429, body: { error: 'rate_limited', message: 'Slow down.' } }),
  },
];

describeEach('a refresh that could not be done keeps the session', { timeout: 10_000 }, () => {
  for (const failure of transient) {
    test(`when the refresh ${failure.name}, every waiting request gets one retryable refresh_unavailable error and the session stays`, async () => {
      const clock = createFakeClock();
      const server = createFakeServer({ clock });
      const { client, expired } = makeClient(server, { clock, refreshTimeoutMs: 5_000 });
      await client.login('demo', 'password');
      const session = client.getSession();
      server.expireAccessTokens();
      server.route('/auth/refresh', failure.script);
      const events = recordEvents(client);

      const started = nextEvent(client, 'refresh-start');
      const burst = Array.from({ length: 20 }, (_, i) => handled(client.get(`/aaa?i=${i}`)));
      await started;
      const late = handled(client.get('/bbb'));
      const attempts = failure.attempts ?? 1;
      await clock.advance(5_000 * attempts); // the refresh timeouts (matter for 'hang' only)
      const results = await settleAll([...burst, late], server);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        const error = result.reason;
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'refresh_unavailable');
        assert.equal(error.retryable, true);
        assert.equal(error.status, failure.status);
        assert.ok(error.retryAfterMs > 0);
        assert.match(error.message, /still logged in/);
        assert.equal(error.cause.code, failure.code);
      }
      assert.equal(
        new Set(results.map((r) => r.reason.requestId)).size,
        21,
        'each error names its own request',
      );
      assert.equal(server.stats.refresh, attempts, 'one attempt for the whole burst');
      assert.equal(expired.length, 0, 'onSessionExpired is not called');
      assert.deepEqual(client.getSession(), session, 'the session stays');
      assert.equal(events.filter((e) => e.type === 'session').length, 0);
      assert.equal(events.find((e) => e.type === 'refresh-end').ok, false);

      // The server is back: after the backoff, the next call refreshes again and works.
      server.route('/auth/refresh', null);
      await clock.advance(results[0].reason.retryAfterMs);
      assert.equal((await client.get('/aaa')).data, 'aaa');
      assert.equal(server.stats.refresh, attempts + 1);
      assert.equal(expired.length, 0);
    });
  }

  test('late 401s that meet a short backoff wait for its end and share one next attempt', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client, expired } = makeClient(server, { clock });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => 'network');
    // Three calls are slow: their 401s arrive after the refresh has failed.
    const gates = [server.hold('/bbb'), server.hold('/bbb'), server.hold('/bbb')];
    const slow = [0, 1, 2].map((i) => handled(client.get(`/bbb?i=${i}`)));
    await Promise.all(gates.map((gate) => gate.arrived));
    const fast = [0, 1, 2].map((i) => handled(client.get(`/aaa?i=${i}`)));
    const fastResults = await Promise.allSettled(fast); // the refresh has failed
    assert.deepEqual(
      fastResults.map((r) => r.reason?.code),
      Array(3).fill('refresh_unavailable'),
    );
    const backoffMs = fastResults[0].reason.retryAfterMs;
    assert.equal(backoffMs, 1_000);
    server.route('/auth/refresh', null); // the refresh endpoint is back, inside the backoff
    for (const gate of gates) gate.release();
    await clock.advance(backoffMs - 1);
    assert.equal(await settledState(slow[0], server), 'pending', 'waiting out the backoff');
    assert.equal(server.stats.refresh, 1, 'no refresh inside the backoff');
    await clock.advance(1);
    const results = await settleAll(slow, server);
    assert.deepEqual(
      results.map((r) => r.value?.data),
      ['bbb', 'bbb', 'bbb'],
    );
    assert.equal(server.stats.refresh, 2, 'one next attempt, shared by all three');
    assert.equal(expired.length, 0);
  });

  test('a call that meets a long backoff fails fast with retryAfterMs, without a refresh', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client } = makeClient(server, { clock });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 503,
      headers: { 'Retry-After': '20' },
      body: { error: 'unavailable', message: 'Down.' },
    }));
    await assert.rejects(client.get('/aaa'), { code: 'refresh_unavailable' });
    await clock.advance(5_000);
    const error = await client.get('/bbb').catch((e) => e);
    assert.equal(error.code, 'refresh_unavailable');
    assert.equal(error.retryAfterMs, 20_000);
    assert.equal(server.stats.refresh, 1);
  });

  test('consecutive failures back off exponentially, capped, and honour Retry-After', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client } = makeClient(server, { clock });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => 'network');
    const waits = [];
    for (let i = 0; i < 7; i += 1) {
      const error = await client.get('/aaa').catch((e) => e);
      assert.equal(error.code, 'refresh_unavailable');
      if (error.retryAfterMs > 2_000) {
        // Inside a long window, a call fails fast, without a refresh.
        const refreshes = server.stats.refresh;
        await assert.rejects(client.get('/aaa'), { code: 'refresh_unavailable' });
        assert.equal(server.stats.refresh, refreshes);
      }
      waits.push(error.retryAfterMs);
      await clock.advance(error.retryAfterMs);
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    assert.equal(server.stats.refresh, 7);

    server.route('/auth/refresh', () => ({
      status: 503,
      headers: { 'Retry-After': '45' },
      body: { error: 'unavailable', message: 'Down.' },
    }));
    const error = await client.get('/aaa').catch((e) => e);
    assert.equal(error.retryAfterMs, 45_000, 'the server asked for 45 s');
    await clock.advance(45_000);
    server.route('/auth/refresh', null);
    assert.equal((await client.get('/aaa')).data, 'aaa');
    // Success resets the backoff.
    server.expireAccessTokens();
    server.route('/auth/refresh', () => 'network');
    assert.equal((await client.get('/aaa').catch((e) => e)).retryAfterMs, 1_000);
  });

  test('a refresh that waits for a frozen server is tried twice with the same cookie, each bounded by refreshTimeoutMs', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client } = makeClient(server, { clock, refreshTimeoutMs: 2_000 });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => 'hang');
    const call = handled(client.get('/aaa'));
    await clock.advance(2_000);
    assert.equal(server.stats.refresh, 2, 'the first timed out: a second try');
    const cookies = requestsTo(server, '/auth/refresh').map((req) => req.cookie);
    assert.equal(cookies[0], cookies[1], 'the same refresh cookie both times');
    await clock.advance(1_999);
    assert.equal(await settledState(call), 'pending', 'still waiting just before the timeout');
    await clock.advance(1);
    await assert.rejects(
      call,
      (error) => error.code === 'refresh_unavailable' && error.cause.code === 'timeout',
    );
    assert.equal(server.stats.refresh, 2);
  });

  test('calls made inside a refresh-start listener queue behind that refresh like any other', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    const fromListener = [];
    const off = client.on('refresh-start', () => {
      fromListener.push(client.get('/bbb'));
    });
    const events = recordEvents(client);
    assert.equal((await client.get('/aaa')).data, 'aaa');
    off();
    assert.equal((await fromListener[0]).data, 'bbb');
    assert.equal(server.stats.refresh, 1);
    const id = events.find((e) => e.type === 'request' && e.path === '/bbb').requestId;
    assert.deepEqual(
      events.filter((e) => e.requestId === id).map((e) => e.type),
      ['request', 'queued', 'done'],
    );
    assert.equal(
      server.log.filter((req) => req.path === '/bbb').length,
      1,
      'sent once, with the new token',
    );
  });
});

describeEach('errors that are not ours to fix pass through', { timeout: 10_000 }, () => {
  for (const [status, code] of [
    [400, 'bad_request'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [500, 'server_error'],
  ]) {
    test(`a ${status} passes through untouched as an ApiError, with no refresh and no retry`, async () => {
      const server = createFakeServer();
      const { client } = makeClient(server);
      await client.login('demo', 'password');
      const body = { error: code, message: `Status ${status} says no.`, detail: [1, 2] };
      server.route('/x', () => ({ status, body }));
      const error = await client.get('/x').then(
        () => assert.fail('must reject'),
        (e) => e,
      );
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, status);
      assert.equal(error.code, code);
      assert.equal(error.message, body.message);
      assert.deepEqual(error.data, body);
      assert.equal(requestsTo(server, '/x').length, 1);
      assert.equal(server.stats.refresh, 0);
      assert.notEqual(client.getSession(), null);
    });
  }

  test('a network error passes through as ApiError status 0, code network_error, without a refresh', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.route('/x', () => 'network');
    const error = await client.get('/x').catch((e) => e);
    assert.equal(error.status, 0);
    assert.equal(error.code, 'network_error');
    assert.ok(error.cause instanceof TypeError);
    assert.equal(server.stats.refresh, 0);
  });

  test("an error with a non-JSON body (a proxy's HTML page) is still an ApiError", async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    server.route('/x', () => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    const error = await client.get('/x').catch((e) => e);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'http_error');
    assert.equal(error.data, '<html>Bad Gateway</html>');
  });

  test('a 401 from /auth/login is a plain error: wrong password never triggers a refresh', async () => {
    const server = createFakeServer();
    const { client, expired } = makeClient(server);
    await client.login('demo', 'password');
    await assert.rejects(client.login('demo', 'wrong'), {
      status: 401,
      code: 'invalid_credentials',
    });
    assert.equal(server.stats.refresh, 0);
    assert.equal(expired.length, 0);
  });

  test('a 401 from any /auth/* call made through request() never triggers a refresh', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.route('/auth/whoami', () => ({
      status: 401,
      body: { error: 'invalid_token', message: 'No.' },
    }));
    await assert.rejects(client.post('/auth/whoami', {}), { status: 401, code: 'invalid_token' });
    await assert.rejects(client.get('http://api.test/auth/whoami'), { status: 401 });
    assert.equal(server.stats.refresh, 0);
    assert.equal(requestsTo(server, '/auth/whoami').length, 2);
    assert.equal(requestsTo(server, '/auth/whoami')[0].credentials, 'include');
  });
});
