// Runs one scenario of the blog code against a live backend and prints what
// each caller got, as JSON. Driven by tests/test_blog_code.py, which starts
// the backend (tests/live.py), reads its request log, and asserts.
//
//   API_URL=http://127.0.0.1:PORT JWT_SECRET_KEY=... node tests/js/blog/scenarios.mjs NAME
//
// axios and axios-auth-refresh come from tests/axios/node_modules
// (npm ci --prefix tests/axios): test-only dependencies.

import axios from '../../axios/node_modules/axios/index.js';
import createAuthRefreshInterceptor from '../../axios/node_modules/axios-auth-refresh/dist/index.esm.js';
import { createBrowser, expiredCopy } from './browser.mjs';
import * as isRefreshingQueue from './is-refreshing-queue.mjs';
import * as refreshPromise from './refresh-promise.mjs';
import * as constQueue from './const-queue.mjs';
import * as neverEmptiedQueue from './never-emptied-queue.mjs';

const baseURL = process.env.API_URL;
const secret = process.env.JWT_SECRET_KEY;

/** Wait until nothing is in flight, fire-and-forget replays included. */
async function quiesce(browser) {
  for (let i = 0; i < 3; i += 1) {
    await browser.idle();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await browser.idle();
}

/** Track a promise's state without awaiting it. */
function track(promise) {
  const entry = { state: 'pending' };
  promise.then(
    (response) =>
      Object.assign(entry, {
        state: 'fulfilled',
        user: response.data.user.username,
        data: response.data.data,
      }),
    (error) =>
      Object.assign(entry, {
        state: 'rejected',
        name: error.name,
        message: error.message,
        status: error.response?.status ?? null,
        code: error.response?.data?.error ?? null,
      }),
  );
  return entry;
}

/** A line in the server's request log, so the test can split it into phases. */
const mark = (phase) => fetch(`${baseURL}/health?${phase}`).then((r) => r.text());

/** The demo page's "revoke" button: log out on the server only; this page keeps its (now dead) cookies. */
async function revokeOnTheServer(browser) {
  const response = await fetch(`${baseURL}/auth/logout`, {
    method: 'POST',
    headers: {
      Cookie: browser.copyCookieHeader('/auth/logout'),
      'X-CSRF-TOKEN': browser.readCookie('csrf_refresh_token'),
    },
  });
  if (response.status !== 204) throw new Error(`revoke failed: ${response.status}`);
}

function expire(blog) {
  blog.setAccessToken(expiredCopy(blog.getAccessToken(), secret));
}

async function burst(blog, browser, n, path = '/aaa') {
  const calls = Array.from({ length: n }, (_, i) => blog.api.get(`${path}?i=${i}`));
  const entries = calls.map(track);
  await Promise.allSettled(calls);
  await quiesce(browser);
  return entries;
}

const scenarios = {
  // A burst of 4 expired calls, three times over.
  async 'never-emptied-queue'() {
    const browser = createBrowser();
    const blog = neverEmptiedQueue.createBlogApi({ axios, baseURL, browser });
    await blog.login('demo', 'password');
    const rounds = [];
    for (let round = 1; round <= 3; round += 1) {
      await mark(`round-${round}-start`);
      expire(blog);
      const sentBefore = browser.log.length;
      const results = await burst(blog, browser, 4);
      const sent = browser.log.slice(sentBefore);
      rounds.push({ results, gets: sent.filter((r) => r.method === 'GET').length });
    }
    await mark('end');
    return { rounds };
  },

  // One expired call, then a burst of 3.
  async 'const-queue'() {
    const browser = createBrowser();
    const blog = constQueue.createBlogApi({ axios, baseURL, browser });
    await blog.login('demo', 'password');
    expire(blog);
    const single = await burst(blog, browser, 1);
    expire(blog);
    const three = await burst(blog, browser, 3);
    return { single, burst: three };
  },

  // demo's refresh fails with 3 calls waiting; then alice logs in on the same page.
  async 'is-refreshing-queue'() {
    const browser = createBrowser();
    const blog = isRefreshingQueue.createBlogApi({ axios, baseURL, browser });
    await blog.login('demo', 'password');
    expire(blog);
    const healthy = await burst(blog, browser, 5);
    await mark('revoked');
    await revokeOnTheServer(browser);
    expire(blog);
    const demoCalls = await burstWithoutWaiting(blog, browser, 3);
    const afterFailure = demoCalls.map((entry) => ({ ...entry }));
    await mark('alice');
    await blog.login('alice', 'alice-password');
    expire(blog);
    const aliceCall = blog.api.get('/bbb');
    const alice = track(aliceCall);
    await aliceCall; // alice's refresh woke demo's requests before her own replay went out
    await quiesce(browser);
    return { healthy, afterFailure, alice, demoCallsAtTheEnd: demoCalls };
  },

  // A healthy burst, then a burst whose refresh is refused.
  async 'refresh-promise'() {
    const browser = createBrowser();
    const blog = refreshPromise.createBlogApi({ axios, baseURL, browser });
    await blog.login('demo', 'password');
    expire(blog);
    const healthy = await burst(blog, browser, 5);
    await mark('revoked');
    await revokeOnTheServer(browser);
    expire(blog);
    const failed = await burstWithoutWaiting(blog, browser, 3);
    return { healthy, failed };
  },

  // axios-auth-refresh 5.0.2, as its README sets it up; options from argv[3] (JSON).
  async 'axios-auth-refresh'(options) {
    const browser = createBrowser();
    const transport = { adapter: 'fetch', env: { fetch: browser.fetch } };
    let accessToken = null;
    const api = axios.create({ baseURL, ...transport });
    api.interceptors.request.use((config) => {
      if (accessToken) config.headers.Authorization = `Bearer ${accessToken}`;
      return config;
    });
    const refreshAuthLogic = (failedRequest) =>
      axios
        .post(`${baseURL}/auth/refresh`, null, {
          ...transport,
          withCredentials: true,
          headers: { 'X-CSRF-TOKEN': browser.readCookie('csrf_refresh_token') },
          skipAuthRefresh: true,
        })
        .then(({ data }) => {
          accessToken = data.access_token;
          failedRequest.response.config.headers.Authorization = `Bearer ${accessToken}`;
        });
    createAuthRefreshInterceptor(api, refreshAuthLogic, options);
    const { data } = await api.post(
      '/auth/login',
      { username: 'demo', password: 'password' },
      { withCredentials: true, skipAuthRefresh: true },
    );
    accessToken = expiredCopy(data.access_token, secret);
    await mark('burst');
    return { results: await burst({ api }, browser, 10) };
  },
};

/**
 * Fire n calls whose refresh will be refused; once its answer is in and the
 * network is quiet, report their states (pending ones included).
 */
async function burstWithoutWaiting(blog, browser, n) {
  const refused = browser.nextResponse('/auth/refresh');
  const entries = Array.from({ length: n }, (_, i) => track(blog.api.get(`/aaa?i=${i}`)));
  if ((await refused) !== 401) throw new Error('the refresh was expected to be refused');
  await quiesce(browser);
  return entries;
}

const [name, options] = process.argv.slice(2);
if (!scenarios[name]) {
  console.error(`unknown scenario ${name}; one of: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
const result = await scenarios[name](options ? JSON.parse(options) : undefined);
console.log(JSON.stringify(result));
// Requests the blog code left waiting would wait forever: that is the finding, not a reason to hang.
process.exit(0);
