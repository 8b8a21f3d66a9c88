// docs/13-proactive-refresh.md: proactive refresh shortly before expiry, single-flight with the
// 401 path, a margin that shrinks with short lifetimes, paused in hidden tabs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import { createFakeDocument } from './helpers/fake-tabs.mjs';
import { nextEvent, recordEvents, requestsTo } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

/** A logged-in client whose timers and server run on a fake clock. */
async function setup({
  accessTtlMs = 60_000,
  serverClock,
  document = createFakeDocument(),
  ...options
} = {}) {
  const clock = createFakeClock();
  const server = createFakeServer({ clock: serverClock?.(clock) ?? clock, accessTtlMs });
  const { client, expired } = makeClient(server, {
    clock,
    document,
    proactiveRefresh: true,
    ...options,
  });
  const refreshTimes = [];
  client.on('refresh-start', (event) =>
    refreshTimes.push({ at: clock.now(), reason: event.reason }),
  );
  const loginAt = clock.now();
  await client.login('demo', 'password');
  return { clock, server, client, expired, document, refreshTimes, loginAt };
}

describeEach('proactive refresh', { timeout: 10_000 }, () => {
  test('fires shortly before expiry: a 60 s token is refreshed 12 s early, with no 401 at all', async () => {
    const { clock, server, client, refreshTimes, loginAt } = await setup();
    const firstToken = client.getSession().accessToken;
    assert.equal(client.getSession().accessTokenExpiresAt, loginAt + 60_000);
    await clock.advance(47_999);
    assert.equal(server.stats.refresh, 0, 'not yet');
    const ended = nextEvent(client, 'refresh-end');
    await clock.advance(1);
    assert.deepEqual(refreshTimes, [{ at: loginAt + 48_000, reason: 'proactive' }]);
    assert.equal((await ended).ok, true);
    assert.notEqual(client.getSession().accessToken, firstToken);
    assert.equal((await client.get('/aaa')).data, 'aaa');
    assert.equal(requestsTo(server, '/aaa').filter((req) => req.status === 401).length, 0);
    assert.deepEqual(clock.pending(), [48_000], 'the next one is already scheduled');
  });

  test('refreshMarginMs sets the margin', async () => {
    const { clock, refreshTimes, loginAt } = await setup({ refreshMarginMs: 5_000 });
    await clock.advance(60_000);
    assert.deepEqual(
      refreshTimes.map((r) => r.at),
      [loginAt + 55_000],
    );
  });

  test("a margin longer than the token's life is capped at half of it: no refresh storm", async () => {
    const { clock, refreshTimes, loginAt } = await setup({
      accessTtlMs: 20_000,
      refreshMarginMs: 60_000,
    });
    await clock.advance(60_000);
    assert.deepEqual(
      refreshTimes.map((r) => r.at - loginAt),
      [10_000, 20_000, 30_000, 40_000, 50_000, 60_000],
    );
  });

  test('a 3-second token does not cause a refresh storm', async () => {
    const { clock, server, client, refreshTimes, loginAt } = await setup({ accessTtlMs: 3_000 });
    await clock.advance(30_000);
    // Refreshed 0.6 s before each expiry: every 2.4 s, 12 times in 30 s.
    const gaps = refreshTimes.map((r, i) => r.at - (i ? refreshTimes[i - 1].at : loginAt));
    assert.equal(refreshTimes.length, 12);
    for (const gap of gaps) assert.equal(gap, 2_400);
    assert.equal(server.refreshFailures.length, 0);
    assert.equal((await client.get('/aaa')).data, 'aaa');
  });

  test('uses expires_in, so a server clock an hour off causes no storm and no late refresh', async () => {
    const behind = (clock) => ({ ...clock, now: () => clock.now() - 3_600_000 });
    const { clock, client, refreshTimes, loginAt } = await setup({ serverClock: behind });
    assert.equal(client.getSession().accessTokenExpiresAt, loginAt + 60_000);
    await clock.advance(60_000);
    assert.deepEqual(
      refreshTimes.map((r) => r.at - loginAt),
      [48_000],
    );
  });

  test('is single-flight with the 401 path: requests sent during a proactive refresh wait for it', async () => {
    const { clock, server, client } = await setup();
    const oldToken = client.getSession().accessToken;
    const gate = server.hold('/auth/refresh');
    await clock.advance(48_000);
    await gate.arrived;
    const calls = [client.get('/aaa'), client.get('/bbb'), client.get('/aaa')];
    gate.release();
    const bodies = await Promise.all(calls);
    const newToken = client.getSession().accessToken;
    assert.equal(server.stats.refresh, 1);
    for (const body of bodies) assert.equal(body.token, newToken);
    assert.ok(!server.log.some((req) => req.token === oldToken));
  });

  test('a proactive timer firing during a reactive refresh joins it instead of starting another', async () => {
    const { clock, server, client } = await setup({ refreshTimeoutMs: 100_000 });
    const events = recordEvents(client);
    client.setAccessToken('corrupted'); // the next call gets a 401
    const gate = server.hold('/auth/refresh');
    const call = client.get('/aaa');
    await gate.arrived;
    await clock.advance(48_000); // the proactive timer fires while the reactive refresh is held
    gate.release();
    await call;
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(
      events.filter((e) => e.type === 'refresh-start').map((e) => e.reason),
      ['reactive'],
    );
  });

  test('pauses in a hidden tab and refreshes on becoming visible again', async () => {
    const document = createFakeDocument({ visibilityState: 'hidden' });
    const { clock, server, client, refreshTimes, loginAt } = await setup({ document });
    assert.deepEqual(clock.pending(), [], 'no timer while hidden');
    await clock.advance(70_000);
    assert.equal(server.stats.refresh, 0);
    const ended = nextEvent(client, 'refresh-end');
    document.setVisibility('visible'); // past the refresh point (and expiry): refresh now
    await clock.advance(0);
    assert.equal((await ended).ok, true);
    assert.deepEqual(refreshTimes, [{ at: loginAt + 70_000, reason: 'proactive' }]);
    document.setVisibility('hidden');
    assert.deepEqual(clock.pending(), [], 'hiding the tab stops the timer again');
  });

  test('setProactiveRefresh(false) stops it (the 401 path still works); true restarts it', async () => {
    const { clock, server, client, refreshTimes, loginAt } = await setup();
    client.setProactiveRefresh(false);
    assert.deepEqual(clock.pending(), []);
    await clock.advance(61_000);
    assert.equal(server.stats.refresh, 0);
    assert.equal((await client.get('/aaa')).data, 'aaa'); // expired: 401, reactive refresh, replay
    assert.deepEqual(
      refreshTimes.map((r) => r.reason),
      ['reactive'],
    );
    client.setProactiveRefresh(true);
    await clock.advance(48_000);
    assert.deepEqual(
      refreshTimes.map((r) => [r.reason, r.at - loginAt]),
      [
        ['reactive', 61_000],
        ['proactive', 109_000],
      ],
    );
  });

  test('proactiveRefresh: false in the options means no timer at all', async () => {
    const { clock } = await setup({ proactiveRefresh: false });
    assert.deepEqual(clock.pending(), []);
  });

  test('a failed proactive refresh ends the session once and stops the timer', async () => {
    const { clock, server, client, expired } = await setup();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_revoked', message: 'Revoked.' },
    }));
    await clock.advance(120_000);
    assert.equal(server.stats.refresh, 1);
    assert.equal(expired.length, 1);
    assert.equal(expired[0].cause.code, 'token_revoked');
    assert.equal(client.getSession(), null);
    assert.deepEqual(clock.pending(), []);
  });

  test('logout and destroy() stop the timer and the visibility listener', async () => {
    const { clock, client, document, server } = await setup();
    await client.logout();
    assert.deepEqual(clock.pending(), []);
    await client.login('demo', 'password');
    assert.equal(clock.pending().length, 1);
    client.destroy();
    assert.deepEqual(clock.pending(), []);
    document.setVisibility('hidden');
    document.setVisibility('visible');
    assert.deepEqual(clock.pending(), [], 'no longer listening');
    await clock.advance(120_000);
    assert.equal(server.stats.refresh, 0);
  });
});
