// docs/09-refresh-and-retry.md and docs/11-failure-paths.md: a call belongs to the
// session it was sent in, and the client knows when a token has run out.
// - A 401 that comes back after the session changed (a logout, another login) is
//   never replayed in the new session: a call made as one user must not run as the next.
// - A call that would go out with a token the client knows has expired (after a
//   sleep, say) waits for one refresh instead: no doomed 401s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../frontend/js/api.js';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import { handled, recordEvents, requestsTo, settleAll } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

describeEach('no call crosses a session', { timeout: 10_000 }, () => {
  test('a 401 that arrives after a logout and a new login fails with session_changed and is never replayed', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    const first = client.getSession();
    const gate = server.hold('/aaa');
    const call = handled(client.post('/aaa', { transfer: 100 }));
    await gate.arrived; // sent with the first session's token
    await client.logout();
    await client.login('demo', 'password');
    server.expireAccessTokens(); // so the held call is answered 401
    gate.release();
    const [result] = await settleAll([call], server);
    assert.equal(result.status, 'rejected');
    assert.ok(result.reason instanceof ApiError);
    assert.equal(result.reason.code, 'session_changed');
    assert.equal(result.reason.status, 401);
    assert.equal(typeof result.reason.requestId, 'number');
    const sent = requestsTo(server, '/aaa');
    assert.equal(sent.length, 1, 'never replayed');
    assert.equal(sent[0].token, first.accessToken);
    assert.equal(server.stats.refresh, 0);
    assert.notEqual(client.getSession(), null, 'the new session is untouched');
  });

  test('a 401 that arrives after a logout is returned as it is, not replayed', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    const gate = server.hold('/aaa');
    const call = handled(client.get('/aaa'));
    await gate.arrived;
    await client.logout();
    server.expireAccessTokens();
    gate.release();
    await assert.rejects(call, { status: 401, code: 'token_expired' });
    assert.equal(requestsTo(server, '/aaa').length, 1);
    assert.equal(server.stats.refresh, 0);
  });

  test('a 401 for an older token of the same session is still replayed as stale', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.expireAccessTokens();
    const gate = server.hold('/aaa');
    const slow = handled(client.get('/aaa'));
    await gate.arrived;
    assert.equal((await client.get('/bbb')).data, 'bbb'); // refreshes: same session, new token
    gate.release();
    assert.equal((await slow).data, 'aaa');
    assert.equal(server.stats.refresh, 1);
  });
});

describeEach('no doomed sends', { timeout: 10_000 }, () => {
  test('after a sleep, a burst of 8 calls with a token known to be expired makes 0 401s and 1 refresh', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock, accessTtlMs: 60_000 });
    // No proactive timer (it would fire during the fake sleep), but the expiry check on.
    const { client } = makeClient(server, { clock, refreshExpiredFirst: true });
    await client.login('demo', 'password');
    await clock.advance(10 * 60_000); // the laptop slept for ten minutes
    const events = recordEvents(client);
    const burst = Array.from({ length: 8 }, (_, i) => handled(client.get(`/aaa?i=${i}`)));
    const results = await settleAll(burst, server);
    assert.deepEqual(
      results.map((r) => r.value?.data),
      Array(8).fill('aaa'),
    );
    const sent = requestsTo(server, '/aaa');
    assert.equal(sent.filter((req) => req.status === 401).length, 0, 'no doomed 401');
    assert.equal(sent.length, 8, 'each call sent once');
    assert.equal(server.stats.refresh, 1);
    assert.equal(events.filter((e) => e.type === 'unauthorized').length, 0);
    assert.equal(events.find((e) => e.type === 'refresh-start').reason, 'reactive');
  });
});
