// @ts-check
/**
 * demo-helpers.js: small pure functions the demo page needs. No DOM work
 * beyond reading a cookie, so each can be read (and tested) on its own.
 */

import { t } from './strings.js';

/** The client's default Web Lock name; its fallback lease lives under this localStorage key. */
export const LEASE_KEY = 'silent-refresh:lock:silent-refresh:refresh';

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

/** The codes explainSessionEnd has its own words for (strings.js: end.<code>.*). */
const EXPLAINED = [
  'token_reused',
  'token_revoked',
  'missing_token',
  'token_expired',
  'csrf_failed',
];

/**
 * Why the session ended, for the room: a failed refresh's error code
 * (ApiError.cause.code) in plain words, in the page's language. The code
 * itself stays as the server sent it.
 * @param {string} code
 * @returns {{ title: string, text: string }}
 */
export function explainSessionEnd(code) {
  const key = EXPLAINED.includes(code)
    ? code
    : code === 'network_error' || code === 'timeout'
      ? 'network'
      : 'other';
  return { title: t(`end.${key}.title`), text: t(`end.${key}.text`) };
}
