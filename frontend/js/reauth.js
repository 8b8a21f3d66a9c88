// @ts-check
/**
 * reauth.js: step-up re-authentication, single-flight like the refresh. It plugs
 * into the core's `reauthFor` hook: a 403 reauth_required from an API call asks
 * the app for the password (`onReauthRequired`) ONCE for every call that got
 * one meanwhile, re-authenticates (POST /auth/reauth: a new session), and each
 * call is replayed once. A 403 is not a 401 on purpose: the token is valid, and
 * a refresh keeps `auth_time`, so refreshing could never help.
 *
 * The app's prompt may reject (the user cancelled): every waiting call is then
 * rejected with one clear error, reauth_cancelled. A wrong password asks again,
 * twice at most, with the invalid_credentials error; any other failure rejects
 * the waiting calls with it. Nothing waits for anything that cannot settle.
 */
import { ApiError } from './silent-refresh.js';

/**
 * @typedef {import('./silent-refresh.js').Session} Session
 * @typedef {import('./silent-refresh.js').RequestMeta} RequestMeta
 */

/** How many times the prompt is shown for one 403 before the calls fail. */
const PROMPTS = 3;

// #region reauth
/**
 * @param {{ onReauthRequired: (error: ApiError) => Promise<string> | string,
 *   reauthenticate: (password: string) => Promise<unknown>,
 *   getSession: () => Session | null,
 *   emit: (type: string, fields?: Record<string, any>) => void }} options
 */
export function createReauthPrompt({ onReauthRequired, reauthenticate, getSession, emit }) {
  /** @type {Promise<void> | null} the one prompt on screen, shared by every 403 */
  let running = null;
  let lastReauthId = 0;
  /** @type {string | null} the session the last re-authentication started */
  let reauthenticated = null;

  /**
   * Ask, re-authenticate, and resolve when the session is fresh; reject with the
   * error every waiting call gets.
   * @param {ApiError} error the first 403
   */
  async function ask(error) {
    const reauthId = ++lastReauthId;
    emit('reauth-start', { reauthId });
    let reason = error;
    try {
      for (let prompt = 1; ; prompt += 1) {
        const password = await Promise.resolve()
          .then(() => onReauthRequired(reason))
          .catch((cause) => {
            throw new ApiError('Re-authentication was cancelled', {
              status: 403,
              code: 'reauth_cancelled',
              cause,
            });
          });
        try {
          await reauthenticate(password);
          break;
        } catch (failed) {
          // A wrong password: ask again, and say why. Anything else ends it.
          const wrong = failed instanceof ApiError && failed.code === 'invalid_credentials';
          if (!wrong || prompt >= PROMPTS) throw failed;
          reason = failed;
        }
      }
      reauthenticated = getSession()?.sessionId ?? null;
      emit('reauth-end', { reauthId, ok: true });
    } catch (failure) {
      emit('reauth-end', { reauthId, ok: false, error: failure });
      throw failure;
    }
  }

  /**
   * The core's `reauthFor` hook: resolves when the call may be replayed.
   * @param {ApiError} error
   * @param {Session | null} sentWith
   * @param {RequestMeta} meta
   */
  return async function reauthFor(error, sentWith, meta) {
    // Sent before a re-authentication that has happened since: replay, don't ask again.
    const current = getSession()?.sessionId ?? null;
    const answered = current !== null && current === reauthenticated;
    if (running || !answered || sentWith?.sessionId === current) {
      running ??= ask(error).finally(() => {
        running = null;
      });
      emit('queued', { ...meta, reauthId: lastReauthId });
      await running.catch((failure) => {
        const { message, status, code, cause } = failure;
        const details = { status, code, cause, requestId: meta.requestId };
        throw failure instanceof ApiError ? new ApiError(message, details) : failure;
      });
    }
    emit('replay', { ...meta, reason: 'reauthenticated' });
  };
}
// #endregion
