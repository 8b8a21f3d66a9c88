// Step-up re-authentication (SPEC "Changes (2026-12-05)"): a 403 reauth_required
// asks the app for the password once for every call that got one meanwhile
// (single-flight, like the refresh), re-authenticates into a new session, and
// replays each call once; a cancel rejects every waiting call with one clear
// error; nothing hangs; without onReauthRequired the 403 passes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../frontend/js/api.js';
import { createFakeServer } from './helpers/fake-server.mjs';
import { createFakeBroadcastChannel } from './helpers/fake-tabs.mjs';
import {
  handled,
  nextEvent,
  quiesce,
  recordEvents,
  requestsTo,
  settleAll,
} from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

/** A prompt the test answers by hand: `prompts` lists the errors it was shown. */
function manualPrompt() {
  const prompt = { prompts: [], answer: null, cancel: null };
  prompt.onReauthRequired = (error) => {
    prompt.prompts.push(error);
    return new Promise((resolve, reject) => {
      prompt.answer = resolve;
      prompt.cancel = reject;
    });
  };
  return prompt;
}

async function staleLogin(overrides = {}) {
  const server = createFakeServer();
  const { client, expired } = makeClient(server, overrides);
  await client.login('demo', 'password');
  server.ageAuthentication();
  return { server, client, expired, events: recordEvents(client) };
}

const endOthers = (client, i) => handled(client.post('/sessions/end-others', { i }));

describeEach('re-authentication on 403 reauth_required', { timeout: 10_000 }, () => {
  test('five concurrent 403s show one prompt, make one /auth/reauth, and each call is replayed once', async () => {
    const prompt = manualPrompt();
    const { server, client, events } = await staleLogin({
      onReauthRequired: prompt.onReauthRequired,
    });
    const before = client.getSession();
    const calls = Array.from({ length: 5 }, (_, i) => endOthers(client, i));
    await quiesce(server); // every call has had its 403
    assert.equal(prompt.prompts.length, 1, 'one prompt for all five');
    assert.equal(prompt.prompts[0].code, 'reauth_required');
    assert.equal(prompt.prompts[0].status, 403);
    prompt.answer('password');
    const results = await settleAll(calls, server);
    assert.deepEqual(
      results.map((r) => r.value?.ended),
      [0, 0, 0, 0, 0],
    );
    assert.equal(server.stats.reauth, 1);
    assert.equal(server.stats.refresh, 0, 'a 403 is never answered with a refresh');
    const sent = requestsTo(server, '/sessions/end-others');
    assert.equal(sent.length, 10, 'each call: its 403, then one replay');
    assert.equal(sent.filter((req) => req.status === 403).length, 5);
    const after = client.getSession();
    assert.notEqual(after.sessionId, before.sessionId, 'a new session');
    assert.ok(sent.slice(5).every((req) => req.token === after.accessToken));
    assert.deepEqual(
      events.filter((e) => e.type.startsWith('reauth')).map((e) => [e.type, e.ok]),
      [
        ['reauth-start', undefined],
        ['reauth-end', true],
      ],
    );
    assert.equal(events.filter((e) => e.reason === 'reauthenticated').length, 5);
  });

  test('a cancelled prompt rejects every waiting call with one reauth_cancelled error', async () => {
    const prompt = manualPrompt();
    const { server, client, expired } = await staleLogin({
      onReauthRequired: prompt.onReauthRequired,
    });
    const session = client.getSession();
    const calls = Array.from({ length: 4 }, (_, i) => endOthers(client, i));
    await quiesce(server);
    prompt.cancel(new Error('the user closed the dialog'));
    const results = await settleAll(calls, server);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof ApiError);
      assert.equal(result.reason.code, 'reauth_cancelled');
      assert.equal(result.reason.status, 403);
      assert.equal(result.reason.cause.message, 'the user closed the dialog');
    }
    assert.equal(new Set(results.map((r) => r.reason.requestId)).size, 4);
    assert.equal(server.stats.reauth, 0);
    assert.deepEqual(client.getSession(), session, 'the session stays');
    assert.equal(expired.length, 0);
    // The next 403 asks again: nothing stays stuck.
    const again = endOthers(client, 9);
    await quiesce(server);
    assert.equal(prompt.prompts.length, 2);
    prompt.answer('password');
    assert.equal((await again).ended, 0);
  });

  test('a wrong password asks again, three times at most, then every call fails: nothing hangs', async () => {
    const shown = [];
    const { server, client } = await staleLogin({
      onReauthRequired: (error) => {
        shown.push(error.code);
        return 'wrong';
      },
    });
    const calls = [endOthers(client, 1), endOthers(client, 2)];
    const results = await settleAll(calls, server);
    assert.deepEqual(shown, ['reauth_required', 'invalid_credentials', 'invalid_credentials']);
    assert.deepEqual(
      results.map((r) => r.reason?.code),
      ['invalid_credentials', 'invalid_credentials'],
    );
    assert.equal(server.stats.reauth, 3);
  });

  test('a re-authentication the server cannot do rejects the waiting calls with its error', async () => {
    const { server, client } = await staleLogin({ onReauthRequired: () => 'password' });
    server.route('/auth/reauth', () => ({
      status: 503,
      body: { error: 'unavailable', message: 'Down.' },
    }));
    const results = await settleAll([endOthers(client, 1), endOthers(client, 2)], server);
    assert.deepEqual(
      results.map((r) => [r.reason?.status, r.reason?.code]),
      [
        [503, 'unavailable'],
        [503, 'unavailable'],
      ],
    );
  });

  test('without onReauthRequired the 403 passes through untouched', async () => {
    const { server, client } = await staleLogin();
    const error = await client.post('/sessions/end-others', {}).catch((e) => e);
    assert.equal(error.status, 403);
    assert.equal(error.code, 'reauth_required');
    assert.equal(server.stats.reauth, 0);
    assert.equal(requestsTo(server, '/sessions/end-others').length, 1);
  });

  test('reauthenticate() posts the password with the CSRF header and continues in a new session', async () => {
    const { server, client, events } = await staleLogin();
    const before = client.getSession();
    const oldFamily = server.currentFamily();
    assert.deepEqual(await client.reauthenticate('password'), { id: 1, username: 'demo' });
    const [req] = requestsTo(server, '/auth/reauth');
    assert.equal(req.method, 'POST');
    assert.deepEqual(req.body, { password: 'password' });
    assert.equal(req.credentials, 'include');
    assert.ok(req.headers.get('x-csrf-token'));
    assert.notEqual(client.getSession().sessionId, before.sessionId);
    assert.ok(server.isFamilyRevoked(oldFamily), 'the old session is ended');
    assert.equal(events.find((e) => e.type === 'session').reason, 'reauth');
    assert.equal((await client.post('/sessions/end-others', {})).ended, 0);
  });

  test('a 401 that comes back after a re-authentication is not replayed in the new session', async () => {
    const { server, client } = await staleLogin();
    const gate = server.hold('/aaa');
    const call = handled(client.get('/aaa'));
    await gate.arrived;
    await client.reauthenticate('password');
    server.expireAccessTokens();
    gate.release();
    await assert.rejects(call, { code: 'session_changed' });
    assert.equal(requestsTo(server, '/aaa').length, 1);
  });
});

describeEach('re-authentication across tabs', { timeout: 10_000 }, () => {
  test('another tab continues in the new session a re-authentication started', async () => {
    const server = createFakeServer();
    const BroadcastChannel = createFakeBroadcastChannel();
    const a = makeClient(server, { BroadcastChannel }).client;
    const b = makeClient(server, { BroadcastChannel }).client;
    await a.login('demo', 'password');
    await quiesce(server);
    const shared = nextEvent(b, 'session');
    await a.reauthenticate('password');
    const event = await shared;
    assert.equal(event.reason, 'other-tab');
    assert.deepEqual(b.getSession(), a.getSession(), 'same token, same session');
    assert.equal((await b.post('/sessions/end-others', {})).ended, 0);
  });
});
