// docs/13-proactive-refresh.md: proactive refresh shortly before expiry, single-flight with the
// 401 path, a margin that shrinks with short lifetimes, paused in hidden tabs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import {
  createFakeBroadcastChannel,
  createFakeDocument,
  createFakeLocks,
} from './helpers/fake-tabs.mjs';
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

/**
 * A document whose user can act: `input(type)` dispatches a pointer, key,
 * wheel or focus event as a browser would, `focusWindow()` a focus on the
 * window, setVisibility a visibilitychange.
 */
function createPage() {
  const target = new EventTarget();
  const window = new EventTarget();
  return {
    visibilityState: 'visible',
    cookie: '',
    defaultView: window,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    setVisibility(state) {
      this.visibilityState = state;
      target.dispatchEvent(new Event('visibilitychange'));
    },
    input(type = 'keydown') {
      target.dispatchEvent(new Event(type));
    },
    focusWindow() {
      window.dispatchEvent(new Event('focus'));
    },
  };
}

const MINUTE = 60_000;
const IDLE_AFTER_MS = 5 * MINUTE;
const REFRESH_TTL_MS = 10 * MINUTE;

/** A 60 s token refreshes 48 s after it arrived: the refresh times up to `until`, from login. */
const everyRefreshUntil = (until) =>
  Array.from({ length: Math.floor(until / 48_000) }, (_, i) => (i + 1) * 48_000);

describeEach('proactive refresh on a page nobody uses', { timeout: 10_000 }, () => {
  async function idleSetup(options = {}) {
    const document = createPage();
    const setupResult = await setup({
      document,
      idleAfterMs: IDLE_AFTER_MS,
      refreshTokenTtlMs: REFRESH_TTL_MS,
      ...options,
    });
    const idleEvents = [];
    setupResult.client.on('session-idle', (event) => idleEvents.push(event));
    const activeEvents = [];
    setupResult.client.on('session-active', (event) => activeEvents.push(event));
    return { ...setupResult, document, idleEvents, activeEvents };
  }

  test('stops refreshing once nobody has used the page for idleAfterMs, and says when it lapses', async () => {
    const { clock, client, refreshTimes, loginAt, idleEvents } = await idleSetup();
    await clock.advance(30 * MINUTE);
    // Refreshes at 48 s, 96 s, ..., 288 s; at 336 s the last input (the login) is 5.6 min old.
    assert.deepEqual(
      refreshTimes.map((r) => r.at - loginAt),
      everyRefreshUntil(288_000),
    );
    assert.equal(idleEvents.length, 1, 'one session-idle, then the timer is off');
    const [idle] = idleEvents;
    assert.equal(idle.lastInputAt, loginAt);
    assert.equal(idle.renewedAt, loginAt + 288_000);
    assert.equal(idle.accessTokenExpiresAt, loginAt + 288_000 + 60_000);
    assert.equal(idle.lapsesAt, loginAt + 288_000 + REFRESH_TTL_MS);
    assert.deepEqual(clock.pending(), [], 'no timer keeps the session alive');
    assert.equal(client.getSession().accessTokenExpiresAt, loginAt + 348_000);
  });

  test('every kind of input keeps the session alive: pointer, keys, wheel, focus, coming back to the tab', async () => {
    const { clock, document, refreshTimes, loginAt, idleEvents } = await idleSetup();
    const inputs = [
      () => document.input('pointerdown'),
      () => document.input('pointermove'),
      () => document.input('keydown'),
      () => document.input('wheel'),
      () => document.input('focusin'),
      () => document.focusWindow(),
      () => {
        document.setVisibility('hidden');
        document.setVisibility('visible');
      },
    ];
    for (const input of inputs) {
      await clock.advance(4 * MINUTE); // under idleAfterMs since the last input
      input();
    }
    await clock.advance(4 * MINUTE);
    assert.deepEqual(idleEvents, []);
    assert.deepEqual(
      refreshTimes.map((r) => r.at - loginAt),
      everyRefreshUntil(32 * MINUTE),
    );
  });

  test('the user coming back refreshes at once, with session-active, while the refresh token is valid', async () => {
    const { clock, server, client, document, refreshTimes, loginAt, idleEvents, activeEvents } =
      await idleSetup();
    await clock.advance(7 * MINUTE); // idle since 336 s; the access token expired at 348 s
    assert.equal(idleEvents.length, 1);
    assert.equal(server.stats.refresh, 6);
    const ended = nextEvent(client, 'refresh-end');
    document.input('pointerdown');
    await clock.advance(0);
    assert.equal((await ended).ok, true);
    assert.deepEqual(activeEvents.length, 1);
    assert.deepEqual(refreshTimes.at(-1), { at: loginAt + 7 * MINUTE, reason: 'proactive' });
    assert.equal((await client.get('/aaa')).data, 'aaa');
    assert.equal(requestsTo(server, '/aaa').filter((req) => req.status === 401).length, 0);
    document.input('keydown'); // not idle any more: input alone refreshes nothing
    await clock.advance(0);
    assert.equal(server.stats.refresh, 7);
    assert.equal(activeEvents.length, 1);
    assert.equal(clock.pending().length, 1, 'the timer runs again');
  });

  test('an abandoned tab lets the session lapse: the refresh on return is refused and the session ends once', async () => {
    const { clock, server, client, document, expired, idleEvents } = await idleSetup();
    await clock.advance(6 * MINUTE);
    const [{ lapsesAt }] = idleEvents;
    // The server's side of it: the refresh token runs out REFRESH_TTL_MS after its last renewal.
    server.route('/auth/refresh', () =>
      clock.now() >= lapsesAt
        ? { status: 401, body: { error: 'token_expired', message: 'Token has expired.' } }
        : undefined,
    );
    const refreshesWhileAway = server.stats.refresh;
    await clock.advance(lapsesAt - clock.now() + MINUTE);
    assert.equal(server.stats.refresh, refreshesWhileAway, 'nothing renewed it while away');
    document.input('keydown');
    await clock.advance(0);
    assert.equal(client.getSession(), null);
    assert.equal(expired.length, 1);
    assert.equal(expired[0].cause.code, 'token_expired');
    await assert.rejects(client.get('/aaa'), { status: 401 });
    assert.equal(expired.length, 1);
  });

  test('beside a tab in use, an idle tab neither refreshes nor warns; when that tab closes, it warns', async () => {
    const clock = createFakeClock();
    const server = createFakeServer({ clock });
    const shared = {
      clock,
      BroadcastChannel: createFakeBroadcastChannel(),
      locks: createFakeLocks(),
    };
    const open = (document) =>
      makeClient(server, {
        ...shared,
        document,
        proactiveRefresh: true,
        idleAfterMs: IDLE_AFTER_MS,
        refreshTokenTtlMs: REFRESH_TTL_MS,
      }).client;
    const busyPage = createPage();
    const idleTab = open(createPage());
    const busyTab = open(busyPage);
    const idleEvents = [];
    idleTab.on('session-idle', (event) => idleEvents.push(event));
    const refreshes = { idle: 0, busy: 0 };
    idleTab.on('refresh-start', () => (refreshes.idle += 1));
    busyTab.on('refresh-start', () => (refreshes.busy += 1));
    const loginAt = clock.now();
    await busyTab.login('demo', 'password'); // the idle tab gets the session over the channel
    await clock.advance(0);
    assert.ok(idleTab.getSession(), 'the other tab shared its login');
    for (let minute = 1; minute <= 10; minute += 1) {
      await clock.advance(MINUTE);
      busyPage.input('keydown');
    }
    assert.equal(refreshes.idle, 0, 'the tab nobody uses never refreshed');
    assert.equal(refreshes.busy, server.stats.refresh);
    assert.equal(server.stats.refresh, Math.floor((10 * MINUTE) / 48_000));
    assert.equal(idleTab.getSession().accessToken, busyTab.getSession().accessToken);
    assert.deepEqual(idleEvents, [], 'no warning while another tab keeps the session alive');
    busyTab.destroy(); // its user closes it
    const lastRenewal = server.stats.refresh * 48_000 + loginAt;
    await clock.advance(2 * MINUTE);
    assert.equal(refreshes.idle, 0, 'the tab nobody uses still does not refresh');
    assert.equal(idleEvents.length, 1);
    assert.equal(idleEvents[0].renewedAt, lastRenewal);
    assert.equal(idleEvents[0].lapsesAt, lastRenewal + REFRESH_TTL_MS);
    assert.deepEqual(clock.pending(), []);
    idleTab.destroy();
  });

  test('by default the page counts as abandoned after 30 minutes without input', async () => {
    const { clock, refreshTimes, loginAt, idleEvents } = await idleSetup({
      idleAfterMs: undefined,
      refreshTokenTtlMs: undefined,
    });
    await clock.advance(40 * MINUTE);
    assert.deepEqual(
      refreshTimes.map((r) => r.at - loginAt),
      everyRefreshUntil(30 * MINUTE),
    );
    assert.equal(idleEvents.length, 1);
    assert.equal(idleEvents[0].lapsesAt, null, 'no refreshTokenTtlMs: the lapse time is unknown');
  });

  test('idleAfterMs: null keeps refreshing for as long as the tab is open and visible', async () => {
    const { clock, refreshTimes, loginAt, idleEvents } = await idleSetup({ idleAfterMs: null });
    await clock.advance(60 * MINUTE);
    assert.deepEqual(
      refreshTimes.map((r) => r.at - loginAt),
      everyRefreshUntil(60 * MINUTE),
    );
    assert.deepEqual(idleEvents, []);
  });

  for (const bad of [0, -1, Number.NaN, Infinity, '300000']) {
    test(`idleAfterMs ${String(bad)} is refused with an error that names the option`, () => {
      const server = createFakeServer();
      assert.throws(() => makeClient(server, { idleAfterMs: bad, proactiveRefresh: true }), {
        name: 'RangeError',
        message: /idleAfterMs/,
      });
    });
  }
});
