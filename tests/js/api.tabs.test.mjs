// docs/12-multiple-tabs.md: across tabs, one refresh for all (Web Locks), the new token
// shared (BroadcastChannel); a tab that waited on the lock uses the shared
// token. Feature-detected: without them one tab still works.
//
// Every "tab" is a client sharing one fake server (and so one cookie jar),
// one fake LockManager and one BroadcastChannel class, as tabs of one site do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from './helpers/fake-clock.mjs';
import { createFakeServer } from './helpers/fake-server.mjs';
import {
  createFakeBroadcastChannel,
  createFakeDocument,
  createFakeLocks,
} from './helpers/fake-tabs.mjs';
import { drain, nextEvent, recordEvents } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

function browser({ deliver = 'task', clock, locks = createFakeLocks(), withLocks = true } = {}) {
  const server = createFakeServer(clock ? { clock } : {});
  const BroadcastChannel = createFakeBroadcastChannel({ deliver });
  const openTab = (options = {}) => {
    const tab = makeClient(server, {
      locks: withLocks ? locks : null,
      BroadcastChannel,
      ...(clock ? { clock } : {}),
      ...options,
    });
    tab.events = recordEvents(tab.client);
    return tab;
  };
  return { server, locks, BroadcastChannel, openTab };
}

const refreshEnds = (...tabs) =>
  tabs.flatMap((tab) => tab.events.filter((e) => e.type === 'refresh-end'));

describeEach('across tabs', { timeout: 10_000 }, () => {
  test('logging in in one tab shares the session with the others', async () => {
    const { openTab } = browser();
    const a = openTab();
    const b = openTab();
    const shared = nextEvent(b.client, 'session');
    const user = await a.client.login('demo', 'password');
    const event = await shared;
    assert.equal(event.reason, 'other-tab');
    assert.deepEqual(b.client.getSession(), a.client.getSession());
    assert.deepEqual(event.session.user, user);
  });

  for (const deliver of ['microtask', 'task']) {
    test(`two tabs that 401 together make one refresh; the waiting tab uses the shared token (message delivery: ${deliver})`, async () => {
      const { server, openTab } = browser({ deliver });
      const a = openTab();
      const b = openTab();
      const shared = nextEvent(b.client, 'session');
      await a.client.login('demo', 'password');
      await shared;
      server.expireAccessTokens();

      const [bodyA, bodyB] = await Promise.all([a.client.get('/aaa'), b.client.get('/bbb')]);

      assert.equal(server.stats.refresh, 1, 'one refresh for both tabs');
      assert.deepEqual(server.refreshFailures, []);
      assert.deepEqual(
        refreshEnds(a, b)
          .map((e) => [e.ok, e.source])
          .sort(),
        [
          [true, 'other-tab'],
          [true, 'server'],
        ],
      );
      const token = a.client.getSession().accessToken;
      assert.equal(b.client.getSession().accessToken, token);
      assert.equal(bodyA.token, token);
      assert.equal(bodyB.token, token);
    });
  }

  test('when the shared token arrives after the lock, the waiting tab still waits for it instead of refreshing', async () => {
    const { server, locks, BroadcastChannel, openTab } = browser({ deliver: 'manual' });
    const a = openTab();
    const b = openTab();
    await a.client.login('demo', 'password');
    BroadcastChannel.flush();
    server.expireAccessTokens();

    const calls = [a.client.get('/aaa'), b.client.get('/bbb')];
    await locks.granted(2); // the second tab holds the lock now...
    await drain();
    assert.equal(
      BroadcastChannel.held,
      1,
      "...while the first tab's new token is still on its way",
    );
    assert.equal(server.stats.refresh, 1, 'and it has not refreshed again');
    BroadcastChannel.flush();
    await Promise.all(calls);
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(
      refreshEnds(a, b)
        .map((e) => e.source)
        .sort(),
      ['other-tab', 'server'],
    );
  });

  test('if the shared token never arrives, the waiting tab refreshes with the rotated cookie: no reuse, no logout', async () => {
    const clock = createFakeClock();
    const { server, locks, openTab } = browser({ deliver: 'manual', clock });
    const a = openTab();
    const b = openTab();
    await a.client.login('demo', 'password');
    server.expireAccessTokens();
    const calls = [a.client.get('/aaa'), b.client.get('/bbb')];
    await locks.granted(2);
    await clock.advance(1_000); // the grace period for the broadcast runs out
    await Promise.all(calls);
    assert.equal(server.stats.refresh, 2);
    assert.deepEqual(server.refreshFailures, [], 'the second refresh presented the new cookie');
    assert.equal(server.isFamilyRevoked(server.currentFamily()), false);
  });

  test('tabs whose proactive timers fire at the same moment make one refresh', async () => {
    const clock = createFakeClock();
    const { server, openTab } = browser({ clock });
    const tabs = [1, 2, 3].map(() =>
      openTab({ proactiveRefresh: true, document: createFakeDocument() }),
    );
    await tabs[0].client.login('demo', 'password');
    await drain(); // let the other tabs receive the session (and schedule their timers)
    assert.deepEqual(clock.pending(), [48_000, 48_000, 48_000]);
    await clock.advance(48_000);
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(server.refreshFailures, []);
    const tokens = new Set(tabs.map((tab) => tab.client.getSession().accessToken));
    assert.equal(tokens.size, 1);
  });

  test('the lock is taken with a timeout: a frozen tab holding it cannot block the others for good', async () => {
    const clock = createFakeClock();
    const { server, locks, openTab } = browser({ clock });
    const a = openTab({ lockTimeoutMs: 3_000 });
    await a.client.login('demo', 'password');
    server.expireAccessTokens();
    locks.request('silent-refresh:refresh', () => new Promise(() => {})); // a frozen tab, forever
    const call = a.client.get('/aaa');
    await clock.advance(2_999);
    assert.equal(server.stats.refresh, 0, 'still waiting for the lock');
    await clock.advance(1);
    assert.equal((await call).data, 'aaa');
    assert.equal(server.stats.refresh, 1);
    const request = locks.requests.at(-1);
    assert.ok(request.signal instanceof AbortSignal, 'the lock request carries an AbortSignal');
    assert.equal(request.signal.aborted, true);
  });

  test('without Web Locks (plain http, not a secure context) one tab still refreshes once for a burst', async () => {
    const { server, openTab } = browser({ withLocks: false });
    const a = openTab();
    await a.client.login('demo', 'password');
    server.expireAccessTokens();
    await Promise.all(Array.from({ length: 10 }, () => a.client.get('/aaa')));
    assert.equal(server.stats.refresh, 1);
  });

  test('without Web Locks and BroadcastChannel (or with one that throws) the client still works', async () => {
    const server = createFakeServer();
    class Broken {
      constructor() {
        throw new DOMException('opaque origin', 'SecurityError');
      }
    }
    for (const BroadcastChannel of [null, Broken]) {
      const { client } = makeClient(server, { locks: null, BroadcastChannel });
      await client.login('demo', 'password');
      server.expireAccessTokens();
      const bodies = await Promise.all([client.get('/aaa'), client.get('/bbb')]);
      assert.equal(bodies[1].token, client.getSession().accessToken);
    }
    assert.equal(server.stats.refresh, 2);
  });

  test('logging out in one tab logs out the others', async () => {
    const { openTab } = browser();
    const a = openTab();
    const b = openTab();
    const sharedIn = nextEvent(b.client, 'session');
    await a.client.login('demo', 'password');
    await sharedIn;
    const sharedOut = nextEvent(b.client, 'session');
    await a.client.logout();
    const event = await sharedOut;
    assert.equal(event.reason, 'logout');
    assert.equal(b.client.getSession(), null);
  });

  test('an older token arriving late from another tab does not replace a newer one', async () => {
    const { BroadcastChannel, openTab } = browser();
    const a = openTab();
    await a.client.login('demo', 'password');
    const current = a.client.getSession();
    const otherTab = new BroadcastChannel('silent-refresh');
    otherTab.postMessage({
      type: 'session',
      session: {
        ...current,
        accessToken: 'older',
        accessTokenExpiresAt: current.accessTokenExpiresAt - 1,
      },
    });
    otherTab.postMessage({ type: 'nonsense' });
    await drain();
    assert.equal(a.client.getSession().accessToken, current.accessToken);
    otherTab.postMessage({
      type: 'session',
      session: {
        ...current,
        accessToken: 'newer',
        accessTokenExpiresAt: current.accessTokenExpiresAt + 1,
      },
    });
    await drain();
    assert.equal(a.client.getSession().accessToken, 'newer');
    otherTab.close();
  });

  test('destroy() closes the channel', async () => {
    const { BroadcastChannel, openTab } = browser();
    const a = openTab();
    assert.equal(BroadcastChannel.openCount, 1);
    a.client.destroy();
    assert.equal(BroadcastChannel.openCount, 0);
  });
});
