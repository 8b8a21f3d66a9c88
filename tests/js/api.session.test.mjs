// docs/13-proactive-refresh.md (restore) and docs/08 (the session API): restore() on page load, login(), logout(),
// getSession(), setAccessToken(). The access token lives in memory only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiClient } from '../../frontend/js/api.js';
import { createFakeServer, seedRefreshCookie } from './helpers/fake-server.mjs';
import { createFakeDocument } from './helpers/fake-tabs.mjs';
import { recordEvents, requestsTo } from './helpers/util.mjs';
import { describeEach, makeClient } from './helpers/clients.mjs';

describeEach('restore, login, logout', { timeout: 10_000 }, () => {
  test('restore() on a first visit resolves null without sending any request', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    assert.equal(await client.restore(), null);
    assert.equal(server.log.length, 0);
  });

  test('restore() gets a session from the refresh cookie, sending the CSRF header with credentials', async () => {
    const server = createFakeServer();
    seedRefreshCookie(server); // logged in on a previous page load
    const csrf = server.jar.csrf;
    const { client, expired } = makeClient(server);
    const events = recordEvents(client);
    const session = await client.restore();
    assert.deepEqual(session.user, { id: 1, username: 'demo' });
    assert.equal(typeof session.accessToken, 'string');
    assert.equal(typeof session.accessTokenExpiresAt, 'number');
    assert.deepEqual(client.getSession(), session);
    const [refresh] = requestsTo(server, '/auth/refresh');
    assert.equal(refresh.headers.get('x-csrf-token'), csrf);
    assert.equal(refresh.credentials, 'include');
    assert.equal(events.find((e) => e.type === 'refresh-start').reason, 'restore');
    assert.equal(events.find((e) => e.type === 'session').reason, 'restore');
    assert.equal(expired.length, 0);
  });

  test('restore() reads the csrf_refresh_token cookie from document.cookie by default', async () => {
    const server = createFakeServer();
    seedRefreshCookie(server);
    const csrf = server.jar.csrf;
    const document = createFakeDocument({
      cookie: `theme=dark; csrf_refresh_token=${encodeURIComponent(csrf)}; other=1`,
    });
    const { client } = makeClient(server, { readCsrfToken: undefined, document });
    assert.notEqual(await client.restore(), null);
    assert.equal(requestsTo(server, '/auth/refresh')[0].headers.get('x-csrf-token'), csrf);
  });

  test('restore() resolves null when the server refuses the cookie, and does not call onSessionExpired', async () => {
    const server = createFakeServer();
    seedRefreshCookie(server);
    server.route('/auth/refresh', () => ({
      status: 401,
      body: { error: 'token_revoked', message: 'Revoked.' },
    }));
    const { client, expired } = makeClient(server);
    assert.equal(await client.restore(), null);
    assert.equal(await client.restore(), null);
    assert.equal(server.stats.refresh, 1, 'a refused cookie is not tried again');
    assert.equal(expired.length, 0);
    assert.equal(client.getSession(), null);
  });

  test('restore() throws when the server cannot be reached: "unknown" is not "logged out"', async () => {
    const server = createFakeServer();
    seedRefreshCookie(server);
    server.route('/auth/refresh', () => 'network');
    const { client } = makeClient(server);
    await assert.rejects(
      client.restore(),
      (error) =>
        error.code === 'refresh_unavailable' &&
        error.retryable &&
        error.status === 0 &&
        error.cause.code === 'network_error',
    );
  });

  test('login() resolves to the user and starts a session', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    const events = recordEvents(client);
    const user = await client.login('demo', 'password');
    assert.deepEqual(user, { id: 1, username: 'demo' });
    const session = client.getSession();
    assert.deepEqual(session.user, user);
    assert.match(session.accessToken, /^access-/);
    assert.deepEqual(
      events.map((e) => [e.type, e.reason]),
      [['session', 'login']],
    );
    assert.deepEqual(events[0].session, session);
    assert.deepEqual(requestsTo(server, '/auth/login')[0].body, {
      username: 'demo',
      password: 'password',
    });
  });

  test('logout() revokes the session on the server, sends the CSRF header, and clears everything', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    const csrf = server.jar.csrf;
    const family = server.currentFamily();
    const events = recordEvents(client);
    await client.logout();
    const [logout] = requestsTo(server, '/auth/logout');
    assert.equal(logout.headers.get('x-csrf-token'), csrf);
    assert.equal(logout.credentials, 'include');
    assert.equal(server.isFamilyRevoked(family), true);
    assert.equal(client.getSession(), null);
    assert.deepEqual(
      events.map((e) => [e.type, e.reason, e.session]),
      [['session', 'logout', null]],
    );
    // Nothing left: no cookie to restore from, and API calls go out without a token.
    assert.equal(await client.restore(), null);
    await assert.rejects(client.get('/aaa'), { status: 401, code: 'missing_token' });
    assert.equal(requestsTo(server, '/aaa')[0].token, null);
    assert.equal(server.stats.refresh, 0);
  });

  test('logout() while a refresh is running waits for it, then revokes the newest token', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    const family = server.currentFamily();
    server.expireAccessTokens();
    const gate = server.hold('/auth/refresh');
    const call = client.get('/aaa');
    await gate.arrived;
    const loggedOut = client.logout();
    gate.release();
    await call;
    await loggedOut;
    assert.equal(client.getSession(), null, 'the refresh did not resurrect the session');
    const [refresh] = requestsTo(server, '/auth/refresh');
    const [logout] = requestsTo(server, '/auth/logout');
    assert.notEqual(logout.cookie, null);
    assert.notEqual(
      logout.cookie,
      refresh.cookie,
      'logout presented the rotated token, not the spent one',
    );
    assert.equal(logout.status, 204);
    assert.equal(server.isFamilyRevoked(family), true);
  });

  test('logout() clears the local session even when the server cannot be reached, and says so', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    server.route('/auth/logout', () => 'network');
    await assert.rejects(client.logout(), { code: 'network_error' });
    assert.equal(client.getSession(), null);
  });

  test('getSession() returns a copy: changing it does not change the client', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    assert.equal(client.getSession(), null);
    await client.login('demo', 'password');
    const copy = client.getSession();
    copy.accessToken = 'tampered';
    assert.notEqual(client.getSession().accessToken, 'tampered');
  });

  test('setAccessToken() corrupts the in-memory token (the demo button); the next call recovers with one refresh', async () => {
    const server = createFakeServer();
    const { client } = makeClient(server);
    await client.login('demo', 'password');
    client.setAccessToken('garbage');
    assert.equal(client.getSession().accessToken, 'garbage');
    const body = await client.get('/aaa');
    assert.equal(server.stats.refresh, 1);
    assert.deepEqual(
      requestsTo(server, '/aaa').map((req) => req.status),
      [401, 200],
    );
    assert.equal(body.token, client.getSession().accessToken);
  });

  test('the tokens never touch localStorage or sessionStorage', async () => {
    const touched = [];
    const trap = (name) =>
      new Proxy(
        {},
        {
          get: (_, key) => {
            touched.push(`${name}.${String(key)}`);
            return () => null;
          },
        },
      );
    const saved = {
      localStorage: globalThis.localStorage,
      sessionStorage: globalThis.sessionStorage,
    };
    globalThis.localStorage = trap('localStorage');
    globalThis.sessionStorage = trap('sessionStorage');
    try {
      const server = createFakeServer();
      seedRefreshCookie(server);
      const client = createApiClient({
        baseURL: 'http://api.test',
        fetch: server.fetch,
        readCsrfToken: server.readCsrfToken,
        locks: null,
        BroadcastChannel: null,
        proactiveRefresh: false,
      });
      await client.restore();
      server.expireAccessTokens();
      await client.get('/aaa');
      await client.logout();
      await client.login('demo', 'password');
    } finally {
      Object.assign(globalThis, saved);
    }
    assert.deepEqual(touched, []);
  });
});
