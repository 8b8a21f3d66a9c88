// docs/08-request-interceptor.md and the demo (docs/10): events carry a request id and timestamps, so the demo can draw
// a timeline: one lane per request, the refresh in its own lane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeServer } from './helpers/fake-server.mjs';
import { handled, recordEvents } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

async function loggedIn() {
  const server = createFakeServer();
  const { client } = makeClient(server);
  await client.login('demo', 'password');
  return { server, client };
}

const lane = (events, requestId) => events.filter((e) => e.requestId === requestId);

describeEach('events', { timeout: 10_000 }, () => {
  test('a replayed request keeps one request id from request to done: request, unauthorized, queued, replay, done', async () => {
    const { server, client } = await loggedIn();
    server.expireAccessTokens();
    const events = recordEvents(client);
    await Promise.all([client.get('/aaa'), client.get('/bbb'), client.post('/aaa', { x: 1 })]);

    const ids = [...new Set(events.filter((e) => e.type === 'request').map((e) => e.requestId))];
    assert.equal(ids.length, 3);
    const start = events.find((e) => e.type === 'refresh-start');
    const end = events.find((e) => e.type === 'refresh-end');
    assert.deepEqual(
      { ...start, time: 0 },
      { type: 'refresh-start', refreshId: 1, reason: 'reactive', time: 0 },
    );
    assert.deepEqual(
      { ...end, time: 0 },
      { type: 'refresh-end', refreshId: 1, ok: true, source: 'server', time: 0 },
    );
    for (const id of ids) {
      const mine = lane(events, id);
      assert.deepEqual(
        mine.map((e) => e.type),
        ['request', 'unauthorized', 'queued', 'replay', 'done'],
      );
      const [request, unauthorized, queued, replay, done] = mine;
      assert.ok(['GET', 'POST'].includes(request.method));
      assert.ok(['/aaa', '/bbb'].includes(request.path));
      for (const e of mine) assert.deepEqual([e.method, e.path], [request.method, request.path]);
      assert.equal(unauthorized.status, 401);
      assert.equal(unauthorized.code, 'token_expired');
      assert.equal(queued.refreshId, 1);
      assert.equal(replay.reason, 'refreshed');
      assert.equal(done.status, 200);
      assert.ok(queued.time <= end.time, 'queued while the refresh was running');
      assert.ok(replay.time >= end.time, 'replayed after the refresh ended');
    }
    // Timestamps are performance.now() numbers, in order of emission.
    for (let i = 1; i < events.length; i += 1) {
      assert.equal(typeof events[i].time, 'number');
      assert.ok(events[i].time >= events[i - 1].time);
    }
  });

  test('an error event carries status, code and the error', async () => {
    const { server, client } = await loggedIn();
    server.route('/boom', () => ({
      status: 500,
      body: { error: 'server_error', message: 'Boom.' },
    }));
    const events = recordEvents(client);
    const error = await client.get('/boom').catch((e) => e);
    const last = events.at(-1);
    assert.equal(last.type, 'error');
    assert.equal(last.requestId, error.requestId);
    assert.equal(last.status, 500);
    assert.equal(last.code, 'server_error');
    assert.equal(last.error, error);
  });

  test('a failed refresh: refresh-end ok false with the error, session null (expired), error events with session_expired', async () => {
    const { server, client } = await loggedIn();
    server.expireAccessTokens();
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_reused', message: 'Reused.' },
    }));
    const events = recordEvents(client);
    await Promise.allSettled([handled(client.get('/aaa')), handled(client.get('/bbb'))]);
    const end = events.find((e) => e.type === 'refresh-end');
    assert.equal(end.ok, false);
    assert.equal(end.error.code, 'token_reused');
    const session = events.find((e) => e.type === 'session');
    assert.deepEqual([session.reason, session.session], ['expired', null]);
    const errors = events.filter((e) => e.type === 'error');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['session_expired', 'session_expired'],
    );
    assert.ok(session.time >= end.time);
  });

  test("'*' receives every event; the function on() returns unsubscribes", async () => {
    const { client } = await loggedIn();
    const all = [];
    const dones = [];
    const offAll = client.on('*', (e) => all.push(e.type));
    const offDone = client.on('done', (e) => dones.push(e.requestId));
    await client.get('/aaa');
    assert.deepEqual(all, ['request', 'done']);
    assert.equal(dones.length, 1);
    offAll();
    offDone();
    await client.get('/aaa');
    assert.deepEqual(all, ['request', 'done']);
    assert.equal(dones.length, 1);
  });

  test('a listener that throws does not break the request', async (t) => {
    const { client } = await loggedIn();
    const logged = t.mock.method(console, 'error', () => {});
    client.on('request', () => {
      throw new Error('broken timeline');
    });
    assert.equal((await client.get('/aaa')).data, 'aaa');
    assert.equal(logged.mock.callCount(), 1);
  });

  test('request ids are unique and increasing', async () => {
    const { client } = await loggedIn();
    const events = recordEvents(client);
    await client.get('/aaa');
    await client.get('/bbb');
    const ids = events.filter((e) => e.type === 'request').map((e) => e.requestId);
    assert.equal(ids.length, 2);
    assert.ok(ids[1] > ids[0]);
  });
});
