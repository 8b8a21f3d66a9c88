// client.handSessionTo(other): the demo swaps the queued and the naive client
// in the middle of a session. The whole session moves (token, expiry, user),
// the old client forgets it, and the server session goes on: no logout, no
// refresh, the same token keeps working.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeServer } from './helpers/fake-server.mjs';
import { makeClient, makeNaiveClient, recordEvents } from './helpers/util.mjs';

const kinds = { queued: makeClient, naive: makeNaiveClient };

describe('handSessionTo moves the whole session to another client', { timeout: 10_000 }, () => {
  for (const [fromKind, makeFrom] of Object.entries(kinds)) {
    for (const [toKind, makeTo] of Object.entries(kinds)) {
      test(`from the ${fromKind} client to the ${toKind} client: token, expiry and user move, nothing is logged out`, async () => {
        const server = createFakeServer();
        const from = makeFrom(server).client;
        const to = makeTo(server).client;
        await from.login('demo', 'password');
        const before = from.getSession();
        const events = recordEvents(to);

        from.handSessionTo(to);

        assert.deepEqual(to.getSession(), before, 'token, expiry and user, all of it');
        assert.equal(from.getSession(), null, 'the old client keeps no copy');
        assert.equal(server.stats.logout, 0, 'the server session goes on');
        assert.deepEqual(
          events.filter((e) => e.type === 'session').map((e) => e.reason),
          ['handover'],
        );
        assert.equal((await to.get('/aaa')).data, 'aaa');
        assert.equal(server.stats.refresh, 0, 'the same token works: no refresh needed');
      });
    }
  }

  test('a client with no session hands over nothing and leaves the other one as it is', async () => {
    const server = createFakeServer();
    const from = makeClient(server).client;
    const to = makeNaiveClient(server).client;
    await to.login('demo', 'password');
    const kept = to.getSession();
    from.handSessionTo(to);
    assert.deepEqual(to.getSession(), kept);
  });
});
