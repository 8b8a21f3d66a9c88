// @ts-check
/**
 * restore-session.js: on page load, get the session back from the refresh
 * cookie (the access token died with the old page), or null.
 */

import { ApiError } from './silent-refresh.js';

/** @typedef {import('./silent-refresh.js').Session} Session */

// #region restore
/**
 * Only asks the server when the readable CSRF cookie says there may be a
 * session, so a first visit makes no doomed request. A refused refresh means
 * "not logged in" (null); a network error, timeout or 5xx is thrown, since
 * we could not find out.
 * @param {{ getSession(): Session | null, mayHaveRefreshCookie(): boolean,
 *   refresh(reason: string): Promise<unknown> }} client
 * @returns {Promise<Session | null>}
 */
export async function restoreSession({ getSession, mayHaveRefreshCookie, refresh }) {
  if (getSession()) return getSession();
  if (!mayHaveRefreshCookie()) return null;
  try {
    await refresh('restore');
    return getSession();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'session_expired') return null;
    if (error instanceof ApiError && error.status >= 400 && error.status < 500 && !error.retryable)
      return null;
    throw error;
  }
}
// #endregion
