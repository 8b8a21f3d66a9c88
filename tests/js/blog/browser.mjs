// What a browser does for the blog code, and Node does not: a cookie jar.
// The blog versions in this folder talk to the REAL backend (tests/live.py),
// whose refresh token is an HttpOnly cookie scoped to /auth, with a readable
// csrf_refresh_token twin. `fetch` below keeps cookies as a browser would
// for a cross-origin API: it sends them only with credentials 'include'
// (axios's withCredentials: true), and applies Set-Cookie before the caller
// sees the response. axios uses it through its fetch adapter:
//   axios.create({ adapter: 'fetch', env: { fetch: browser.fetch } })
// A real app leaves that transport out: the browser does this part itself.

import { createHmac } from 'node:crypto';

export function createBrowser() {
  /** name → { value, path, httpOnly } */
  const jar = new Map();
  let inFlight = 0;
  const idleWaiters = [];
  /** { pathname, resolve } waiting for a response to that path */
  const responseWaiters = [];

  function store(setCookie) {
    const [pair, ...attributes] = setCookie.split(/;\s*/);
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const cookie = { value: pair.slice(eq + 1), path: '/', httpOnly: false };
    let expired = false;
    for (const attribute of attributes) {
      const [key, value = ''] = attribute.split('=');
      const lower = key.toLowerCase();
      if (lower === 'path') cookie.path = value;
      if (lower === 'httponly') cookie.httpOnly = true;
      if (lower === 'max-age' && Number(value) <= 0) expired = true;
      if (lower === 'expires' && Date.parse(value) <= Date.now()) expired = true;
    }
    if (expired) jar.delete(name);
    else jar.set(name, cookie);
  }

  const browser = {
    /** Every request sent: { method, url, token }. */
    log: [],
    /** document.cookie: only the cookies that are not HttpOnly. */
    readCookie(name) {
      const cookie = jar.get(name);
      return cookie && !cookie.httpOnly ? decodeURIComponent(cookie.value) : null;
    },
    /** Another tab or device logging out with a copy of these cookies: the server revokes them, this jar keeps them. */
    copyCookieHeader(path) {
      return [...jar]
        .filter(([, c]) => path.startsWith(c.path))
        .map(([n, c]) => `${n}=${c.value}`)
        .join('; ');
    },
    /** Resolves when no request is in flight: replays fired and forgotten by the blog code included. */
    idle() {
      return inFlight === 0
        ? Promise.resolve()
        : new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** Resolves with the status of the next response from `pathname` (call it before the request goes out). */
    nextResponse(pathname) {
      return new Promise((resolve) => responseWaiters.push({ pathname, resolve }));
    },
    async fetch(input, init) {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      if (request.credentials === 'include') {
        const cookies = browser.copyCookieHeader(url.pathname);
        if (cookies) headers.set('Cookie', cookies);
      }
      const auth = headers.get('Authorization');
      browser.log.push({
        method: request.method,
        url: url.pathname + url.search,
        token: auth?.slice(7) ?? null,
      });
      inFlight += 1;
      try {
        const body = ['GET', 'HEAD'].includes(request.method)
          ? undefined
          : await request.arrayBuffer();
        const response = await fetch(url, {
          method: request.method,
          headers,
          body,
          signal: request.signal,
        });
        if (request.credentials === 'include')
          for (const line of response.headers.getSetCookie()) store(line);
        for (const waiter of responseWaiters.filter((w) => w.pathname === url.pathname)) {
          responseWaiters.splice(responseWaiters.indexOf(waiter), 1);
          waiter.resolve(response.status);
        }
        return response;
      } finally {
        inFlight -= 1;
        if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
      }
    },
  };
  return browser;
}

/**
 * An expired copy of a real access token: same claims, `exp` in the past,
 * signed with the backend's key (the tests' JWT_SECRET_KEY). The server
 * answers it with 401 token_expired, as it would a token 15 minutes old.
 */
export function expiredCopy(token, secret) {
  const [header, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.exp = Math.floor(Date.now() / 1000) - 60;
  claims.iat = claims.nbf = claims.exp - 900;
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}
