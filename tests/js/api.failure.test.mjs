// Behaviours 6 and 7: a failed refresh rejects every waiting request with one
// clear error and never hangs; non-401 errors, and 401s from /auth/*, pass
// through untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../frontend/js/api.js';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import { handled, nextEvent, recordEvents, requestsTo, settleAll, settledState } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

const failures = [
  { name: 'answers 401 token_reused', code: 'token_reused', status: 401,
    script: () => ({ status: 401, body: { error: 'token_reused', message: 'Reused.' } }) },
  { name: 'fails with a network error', code: 'network_error', status: 0, script: () => 'network' },
  { name: 'times out', code: 'timeout', status: 0, script: () => 'hang' },
];

describeEach('refresh failure', { timeout: 10_000 }, () => {
  for (const failure of failures) {
    test(`when the refresh ${failure.name}, every waiting request gets one clear ApiError and nothing hangs`, async () => {
      const clock = createFakeClock();
      const server = createFakeServer({ clock });
      const { client, expired } = makeClient(server, { clock, refreshTimeoutMs: 5_000 });
      await client.login('demo', 'password');
      server.expireAccessTokens();
      server.route('/auth/refresh', failure.script);
      const events = recordEvents(client);

      const started = nextEvent(client, 'refresh-start');
      const burst = Array.from({ length: 20 }, (_, i) => handled(client.get(`/aaa?i=${i}`)));
      await started;
      const late = handled(client.get('/bbb')); // sent while the refresh runs
      await clock.advance(5_000); // the refresh timeout (matters for 'hang' only)

      const results = await settleAll([...burst, late], server); // throws if any is still pending
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        const error = result.reason;
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'session_expired');
        assert.equal(error.status, 401);
        assert.equal(typeof error.requestId, 'number');
        assert.ok(error.cause instanceof ApiError);
        assert.equal(error.cause.code, failure.code);
        assert.equal(error.cause.status, failure.status);
      }
      assert.equal(new Set(results.map((r) => r.reason.requestId)).size, 21, 'each error names its own request');
      assert.equal(server.stats.refresh, 1);
      assert.equal(expired.length, 1, 'onSessionExpired exactly once');
      assert.equal(expired[0].code, 'session_expired');
      assert.equal(expired[0].cause.code, failure.code);
      assert.equal(client.getSession(), null, 'session cleared');
      const end = events.find((e) => e.type === 'refresh-end');
      assert.equal(end.ok, false);
      assert.equal(end.error.code, failure.code);
      // Nothing left behind: no timer, no request in flight.
      assert.deepEqual(clock.pending(), []);
      assert.equal(server.inFlight, 0);
    });
  }

  test('after a failed refresh the client works again: the next login and refresh go through', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => 'network');
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
    server.route('/auth/refresh', () => ({ status: 401, body: { error: 'token_revoked', message: 'Revoked.' } }));
    const slowGate = server.hold('/bbb');
    const slow = handled(client.get('/bbb'));
    await slowGate.arrived;
    await assert.rejects(client.get('/aaa'), { code: 'session_expired' });
    slowGate.release();
    await assert.rejects(slow, { status: 401, code: 'token_expired' });
    assert.equal(server.stats.refresh, 1);
    assert.equal(expired.length, 1);
  });

  test('a refresh that waits for a frozen server is bounded by refreshTimeoutMs', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const { client } = makeClient(server, { clock, refreshTimeoutMs: 2_000 });
    await client.login('demo', 'password');
    server.expireAccessTokens();
    server.route('/auth/refresh', () => 'hang');
    const call = handled(client.get('/aaa'));
    await clock.advance(1_999);
    assert.equal(await settledState(call), 'pending', 'still waiting just before the timeout');
    await clock.advance(1);
    await assert.rejects(call, (error) => error.code === 'session_expired' && error.cause.code === 'timeout');
  });
});

describeEach('errors that are not ours to fix pass through', { timeout: 10_000 }, () => {
  for (const [status, code] of [[400, 'bad_request'], [403, 'forbidden'], [404, 'not_found'], [500, 'server_error']]) {
    test(`a ${status} passes through untouched as an ApiError, with no refresh and no retry`, async () => {
      const server = createFakeServer();
      const { client } = makeClient(server);
      await client.login('demo', 'password');
      const body = { error: code, message: `Status ${status} says no.`, detail: [1, 2] };
      server.route('/x', () => ({ status, body }));
      const error = await client.get('/x').then(() => assert.fail('must reject'), (e) => e);
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

  test('an error with a non-JSON body (a proxy\'s HTML page) is still an ApiError', async () => {
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
    await assert.rejects(client.login('demo', 'wrong'), { status: 401, code: 'invalid_credentials' });
    assert.equal(server.stats.refresh, 0);
    assert.equal(expired.length, 0);
  });

  test('a 401 from any /auth/* call made through request() never triggers a refresh', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.route('/auth/whoami', () => ({ status: 401, body: { error: 'invalid_token', message: 'No.' } }));
    await assert.rejects(client.post('/auth/whoami', {}), { status: 401, code: 'invalid_token' });
    await assert.rejects(client.get('http://api.test/auth/whoami'), { status: 401 });
    assert.equal(server.stats.refresh, 0);
    assert.equal(requestsTo(server, '/auth/whoami').length, 2);
    assert.equal(requestsTo(server, '/auth/whoami')[0].credentials, 'include');
  });
});
