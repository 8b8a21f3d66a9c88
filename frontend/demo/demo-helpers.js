// @ts-check
/**
 * demo-helpers.js: small pure functions the demo page needs. No DOM work
 * beyond reading a cookie, so each can be read (and tested) on its own.
 */

/**
 * Where the API lives. By default: port `port` on the host name this page
 * was loaded from. `localhost` and `127.0.0.1` are different *sites*, and a
 * SameSite=Strict refresh cookie set for one is never sent to the other, so
 * the page must not mix them. `?api=http://host:port` overrides it (other
 * ports in a workshop, the browser tests); `?api=/api` means this origin.
 * @param {{ protocol: string, hostname: string, search: string }} loc usually `location`
 * @param {number} port
 */
export function resolveApiBase(loc, port) {
  const override = new URLSearchParams(loc.search).get('api');
  // A path (`?api=/api`): the API on this page's own origin, behind nginx.
  if (override && /^\/(?!\/)/.test(override)) return override.replace(/\/+$/, '');
  if (override) {
    try {
      const url = new URL(override);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    } catch {
      // Not a URL: fall back to the default below.
    }
  }
  const protocol = loc.protocol === 'https:' ? 'https:' : 'http:';
  return `${protocol}//${loc.hostname || '127.0.0.1'}:${port}`;
}

/**
 * The same token with its signature tampered with, so the server answers
 * 401 invalid_token. We change the *first* signature character: it carries
 * six real bits, whereas the last one may carry only padding bits that a
 * base64url decoder ignores (the "changed" token would still be valid).
 * @param {string} token
 */
export function corruptToken(token) {
  const [header, payload, signature = ''] = token.split('.');
  const first = signature.startsWith('A') ? 'B' : 'A';
  return `${header}.${payload}.${first}${signature.slice(1)}`;
}

// readCookie lives in the library (one copy): the demo reads the CSRF twin of
// the refresh cookie with it, to revoke the session on the server.
export { readCookie } from '../js/silent-refresh.js';

/**
 * Why the session ended, for the room: a failed refresh's error code
 * (ApiError.cause.code) in plain words.
 * @param {string} code
 * @returns {{ title: string, text: string }}
 */
export function explainSessionEnd(code) {
  switch (code) {
    case 'token_reused':
      return {
        title: 'Refresh token reuse detected.',
        text: 'The server saw the same refresh token presented twice, which is what a stolen token looks like, '
          + 'so it revoked the whole session (rotation with reuse detection). The naive interceptor does this '
          + 'to itself: several 401s at once send several refreshes with the same token. Log in again.',
      };
    case 'token_revoked':
      return {
        title: 'The session was revoked on the server.',
        text: 'Every refresh token of this login was revoked (logout, or reuse detected earlier). Log in again.',
      };
    case 'missing_token':
      return {
        title: 'No refresh cookie any more.',
        text: 'The server revoked the session and cleared the cookie (or you logged out in another tab), '
          + 'so the refresh had nothing to present. The access token worked until it expired. Log in again.',
      };
    case 'token_expired':
      return {
        title: 'The refresh token has expired.',
        text: 'Its lifetime (REFRESH_TOKEN_TTL) or the login\'s maximum age (SESSION_MAX_AGE) is over. Log in again.',
      };
    case 'csrf_failed':
      return {
        title: 'CSRF check failed.',
        text: 'The X-CSRF-TOKEN header did not match the csrf_refresh_token cookie. Log in again.',
      };
    case 'network_error':
    case 'timeout':
      return {
        title: 'The refresh could not reach the server.',
        text: 'The session was ended rather than leaving requests waiting forever. Check the backend, then log in again.',
      };
    default:
      return {
        title: 'The refresh failed.',
        text: 'The server refused the refresh token, so every waiting request was rejected with one clear error. Log in again.',
      };
  }
}

/**
 * A JWT's `exp` in ms since the epoch, or 0. Reading the payload needs no
 * key (it is only base64url); the page uses it for the countdown, never to
 * trust the token.
 * @param {string} token
 */
export function jwtExpiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(payload)).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}
