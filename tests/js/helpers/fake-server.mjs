// A scripted stand-in for the Flask API, in memory, shaped like the real one
// (docs/07-errors-and-status-codes.md, the HTTP contract): JSON errors { error, message }, access tokens that expire,
// refresh tokens with rotation and reuse detection, the CSRF double submit,
// and a cookie jar the way a browser keeps it. Its `fetch` is what the
// clients under test get instead of the real one.
//
// Browser behaviours it copies on purpose, because the client depends on them:
// - cookies travel only with `credentials: 'include'` (cross-origin API);
// - the cookie is read when the request is SENT (so N refreshes sent at once
//   all carry the same refresh token), and Set-Cookie lands in the jar before
//   the fetch promise resolves;
// - an AbortSignal rejects the fetch with an AbortError.

/** Real timers, unless a test passes a fake clock. */
export const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

const USER = { id: 1, username: 'demo' };

/**
 * @param {object} [options]
 * @param {typeof realClock} [options.clock] server-side time (token expiry, latency when > 0)
 * @param {number} [options.latencyMs] one full round trip; 0 = next macrotask each way
 * @param {number} [options.accessTtlMs]
 */
export function createFakeServer({ clock = realClock, latencyMs = 0, accessTtlMs = 60_000 } = {}) {
  let seq = 0;
  /** access token → { expiresAt } */
  const accessTokens = new Map();
  /** refresh jti → { family, csrf, spent } */
  const refreshTokens = new Map();
  const revokedFamilies = new Set();
  /** families whose auth_time is older than REAUTH_MAX_AGE (see ageAuthentication) */
  const staleFamilies = new Set();
  /** path → handler(req) returning a response spec, 'network', 'hang', or undefined for the default. */
  const routes = new Map();
  /** path → array of pending gates (see hold()) */
  const holds = new Map();
  const idleWaiters = [];

  const server = {
    /** The browser's cookie jar, shared by every tab of the site. */
    jar: { refresh: null, csrf: null },
    /** What document.cookie would show: the readable CSRF cookie. */
    readCsrfToken: () => server.jar.csrf,
    /** Every request as the server saw it. */
    log: [],
    /** refresh = /auth/refresh calls sent (scripted or not); the others count default handling. */
    stats: { refresh: 0, refreshOk: 0, login: 0, logout: 0, reauth: 0, api: 0 },
    /** Codes of refresh failures, in order (token_reused, token_revoked, ...). */
    refreshFailures: [],
    inFlight: 0,
    fetch,
    /** Resolves when no request is in flight (immediately if none is). */
    idle() {
      return server.inFlight === 0
        ? Promise.resolve()
        : new Promise((resolve) => idleWaiters.push(resolve));
    },
    /**
     * Override one path; the handler gets { method, path, headers, body, token } and returns
     * { status, body, headers? }, 'network', 'hang', or undefined for the default.
     */
    route(path, handler) {
      routes.set(path, handler);
    },
    /**
     * Hold the next request to `path` before the server processes it. Returns
     * { arrived: Promise (resolves when the request is being held), release() }.
     */
    hold(path) {
      const gate = {};
      gate.arrived = new Promise((resolve) => {
        gate.arrive = resolve;
      });
      gate.released = new Promise((resolve) => {
        gate.release = resolve;
      });
      if (!holds.has(path)) holds.set(path, []);
      holds.get(path).push(gate);
      return gate;
    },
    /** Server-side expiry of every access token issued so far (as if their time ran out). */
    expireAccessTokens() {
      for (const entry of accessTokens.values()) entry.expiresAt = -Infinity;
    },
    /**
     * Every session so far authenticated too long ago for a sensitive call: its
     * tokens (and their refreshes, which keep auth_time) answer 403 reauth_required
     * on POST /sessions/end-others until a re-authentication starts a new session.
     */
    ageAuthentication() {
      for (const { family } of refreshTokens.values()) staleFamilies.add(family);
    },
    isFamilyRevoked(family) {
      return revokedFamilies.has(family);
    },
    /** Family of the refresh token currently in the jar. */
    currentFamily() {
      return refreshTokens.get(server.jar.refresh)?.family ?? null;
    },
    /** Log in without a client (as another device or a previous page load would). */
    issueSession() {
      return issueTokens(`family-${++seq}`);
    },
    accessTokenCount: () => accessTokens.size,
  };

  function issueTokens(family) {
    const access = `access-${++seq}`;
    accessTokens.set(access, { expiresAt: clock.now() + accessTtlMs, family });
    const jti = `refresh-${++seq}`;
    const csrf = `csrf-${++seq}`;
    refreshTokens.set(jti, { family, csrf, spent: false });
    return {
      status: 200,
      setCookie: { refresh: jti, csrf },
      body: {
        access_token: access,
        token_type: 'Bearer',
        expires_in: accessTtlMs / 1000,
        access_token_expires_at: new Date(clock.now() + accessTtlMs).toISOString(),
        user: USER,
      },
    };
  }

  const error = (status, code, extra = {}) => ({
    status,
    body: { error: code, message: `${code} (fake server)` },
    ...extra,
  });

  function handleRefresh(req) {
    const result = refreshOutcome(req);
    if (result.status === 200) server.stats.refreshOk += 1;
    else server.refreshFailures.push(result.body.error);
    return result;
  }

  function refreshOutcome(req) {
    const record = req.cookie && refreshTokens.get(req.cookie);
    if (!record) return error(401, 'missing_token');
    if (req.headers.get('x-csrf-token') !== record.csrf) return error(401, 'csrf_failed');
    if (revokedFamilies.has(record.family)) return error(401, 'token_revoked');
    if (record.spent) {
      // Reuse detection (RFC 9700 4.14.2): a spent token presented again means
      // two parties hold it. Revoke the whole family.
      revokedFamilies.add(record.family);
      return error(401, 'token_reused');
    }
    record.spent = true; // rotation: this token is done, a new one replaces it
    return issueTokens(record.family);
  }

  function handleDefault(req) {
    if (req.path === '/auth/login') {
      server.stats.login += 1;
      const { username, password } = req.body ?? {};
      if (username !== 'demo' || password !== 'password') return error(401, 'invalid_credentials');
      return issueTokens(`family-${++seq}`);
    }
    if (req.path === '/auth/refresh') return handleRefresh(req);
    if (req.path === '/auth/logout') {
      server.stats.logout += 1;
      const record = req.cookie && refreshTokens.get(req.cookie);
      if (record) {
        if (req.headers.get('x-csrf-token') !== record.csrf) return error(401, 'csrf_failed');
        revokedFamilies.add(record.family);
      }
      return { status: 204, body: null, clearCookies: true };
    }
    if (req.path === '/auth/reauth') {
      // SPEC "Changes (2026-12-05)": the refresh cookie + CSRF, and the password; a new
      // session (family) on success, the old one ended; a wrong password changes nothing.
      server.stats.reauth += 1;
      const record = req.cookie && refreshTokens.get(req.cookie);
      if (!record) return error(401, 'missing_token');
      if (req.headers.get('x-csrf-token') !== record.csrf) return error(401, 'csrf_failed');
      if (revokedFamilies.has(record.family) || record.spent) return error(401, 'token_revoked');
      if (typeof req.body?.password !== 'string') return error(400, 'bad_request');
      if (req.body.password !== 'password') return error(401, 'invalid_credentials');
      revokedFamilies.add(record.family);
      return issueTokens(`family-${++seq}`);
    }
    if (req.path.startsWith('/auth/')) return error(404, 'not_found');
    server.stats.api += 1;
    if (!req.token) return error(401, 'missing_token');
    const entry = accessTokens.get(req.token);
    if (!entry) return error(401, 'invalid_token');
    if (clock.now() >= entry.expiresAt) return error(401, 'token_expired');
    if (req.path === '/sessions/end-others') {
      if (staleFamilies.has(entry.family)) return error(403, 'reauth_required');
      return { status: 200, body: { ended: 0, token: req.token } };
    }
    const [pathname, query = ''] = req.path.split('?');
    return { status: 200, body: { data: pathname.slice(1), user: USER, query, token: req.token } };
  }

  function wait(ms, signal) {
    return new Promise((resolve, reject) => {
      const done = ms > 0 ? clock.setTimeout(resolve, ms) : setImmediate(resolve);
      signal?.addEventListener(
        'abort',
        () => {
          if (ms > 0) clock.clearTimeout(done);
          else clearImmediate(done);
          reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
        },
        { once: true },
      );
    });
  }

  function untilAborted(signal) {
    return new Promise((_, reject) => {
      signal?.addEventListener(
        'abort',
        () => reject(signal.reason ?? new DOMException('aborted', 'AbortError')),
        { once: true },
      );
    });
  }

  async function fetch(input, init = {}) {
    const url = new URL(String(input), 'http://api.test');
    const headers = new Headers(init.headers);
    const auth = headers.get('authorization');
    const req = {
      method: init.method ?? 'GET',
      path: url.pathname + url.search,
      headers,
      body: init.body ? JSON.parse(init.body) : undefined,
      token: auth?.startsWith('Bearer ') ? auth.slice(7) : null,
      credentials: init.credentials ?? 'same-origin',
      // Sent now, with whatever the jar holds now; only if asked to.
      cookie: init.credentials === 'include' ? server.jar.refresh : null,
    };
    server.log.push(req);
    if (url.pathname === '/auth/refresh') server.stats.refresh += 1; // counted as sent, whatever happens next
    server.inFlight += 1;
    try {
      if (init.signal?.aborted)
        throw init.signal.reason ?? new DOMException('aborted', 'AbortError');
      await wait(latencyMs / 2, init.signal);
      const gate = holds.get(url.pathname)?.shift();
      if (gate) {
        gate.arrive();
        await Promise.race([gate.released, untilAborted(init.signal)]);
      }
      let result = routes.get(url.pathname)?.(req);
      if (result === 'hang') result = await untilAborted(init.signal);
      if (result === 'network') {
        await wait(latencyMs / 2, init.signal);
        throw new TypeError('fetch failed (fake network error)');
      }
      result ??= handleDefault(req);
      req.status = result.status;
      await wait(latencyMs / 2, init.signal);
      // Set-Cookie is applied as the response arrives, before anyone reads it.
      if (result.setCookie && req.credentials === 'include')
        Object.assign(server.jar, result.setCookie);
      if (result.clearCookies) Object.assign(server.jar, { refresh: null, csrf: null });
      const responseHeaders = { 'content-type': 'application/json' };
      if (result.status === 401)
        responseHeaders['www-authenticate'] = 'Bearer error="invalid_token"';
      Object.assign(responseHeaders, result.headers); // e.g. a scripted Retry-After
      const text =
        result.body === null || result.body === undefined
          ? null
          : typeof result.body === 'string'
            ? result.body
            : JSON.stringify(result.body);
      return new Response(result.status === 204 ? null : text, {
        status: result.status,
        headers: responseHeaders,
      });
    } finally {
      server.inFlight -= 1;
      if (server.inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
    }
  }

  return server;
}

/** Log a fresh fake server in "from a previous page load": the jar holds a valid refresh cookie. */
export function seedRefreshCookie(server) {
  const { setCookie } = server.issueSession();
  Object.assign(server.jar, setCookie);
}
