// @ts-check
/**
 * api.js: the client apps, the demo and the docs import. It composes the
 * core (silent-refresh.js: session, attach, send, one shared refresh, replay
 * once) with the extras beside it, each plugged into one of the core's hooks:
 *
 * - events.js: the emitter behind `on()`          → core's `emit` hook
 * - http.js: request/response interceptor chains  → `beforeSend` / `afterResponse`
 * - cross-tab.js: one refresh for all tabs        → `coordinate`
 * - proactive-refresh.js: refresh before expiry   → `session` events + `refresh()`
 * - restore-session.js: the session on page load  → `refresh('restore')`
 * - reauth.js: one password prompt for every 403   → `reauthFor`
 *
 * Copy all of frontend/js/ for this client, or only silent-refresh.js for a
 * single-tab client without events or interceptors.
 */

import {
  ApiError,
  createSilentRefresh,
  isAuthPath,
  readCookie,
  systemClock,
} from './silent-refresh.js';
import { createEmitter } from './events.js';
import { createInterceptorChain } from './http.js';
import { coordinateTabs } from './cross-tab.js';
import { refreshProactively } from './proactive-refresh.js';
import { restoreSession } from './restore-session.js';
import { createReauthPrompt } from './reauth.js';

export { ApiError, isAuthPath, readCookie };

/** Where a client keeps its core, whose policy steps adapters call (see frontend/js/axios.js). */
export const SESSION_CORE = Symbol('silent-refresh session core');

/**
 * @typedef {import('./silent-refresh.js').User} User
 * @typedef {import('./silent-refresh.js').Session} Session
 * @typedef {import('./silent-refresh.js').RequestInput} RequestInput
 * @typedef {import('./silent-refresh.js').RequestConfig} RequestConfig
 * @typedef {import('./silent-refresh.js').ApiResponse} ApiResponse
 * @typedef {import('./events.js').ApiEvent} ApiEvent
 * @typedef {import('./http.js').InterceptorChain} InterceptorChain
 * @typedef {import('./silent-refresh.js').Clock} Clock
 */

/**
 * @param {object} [options]
 * @param {string} [options.baseURL] e.g. 'http://127.0.0.1:5001'
 * @param {(error: ApiError) => void} [options.onSessionExpired] called once each time the server
 *   refuses a refresh and the session ends; error.code is 'session_expired', error.cause says why.
 * @param {(error: ApiError) => Promise<string> | string} [options.onReauthRequired] ask the user
 *   for their password when an API call answers 403 reauth_required; resolve with it, or reject
 *   to cancel (the waiting calls then fail with reauth_cancelled). Without it, the 403 passes.
 * @param {typeof fetch} [options.fetch] injectable for tests
 * @param {boolean} [options.proactiveRefresh] refresh shortly before expiry (default true)
 * @param {boolean} [options.refreshExpiredFirst] a call whose token is known to have expired
 *   waits for a refresh instead of going out to a sure 401 (default: as proactiveRefresh)
 * @param {number} [options.refreshMarginMs] how long before expiry; default: a fifth of the
 *   token's lifetime, at most a minute. Never more than half the lifetime, whatever you pass.
 * @param {number | null} [options.idleAfterMs] proactive refresh stops keeping the session alive
 *   after this long without user input (default 30 min; null: never stops). proactive-refresh.js
 *   describes its `session-idle` and `session-active` events.
 * @param {number | null} [options.refreshTokenTtlMs] the server's REFRESH_TOKEN_TTL in ms, if the
 *   app knows it: `session-idle` then says when an abandoned session lapses (`lapsesAt`)
 * @param {number} [options.refreshTimeoutMs] give up on /auth/refresh after this (default 10 s)
 * @param {number} [options.lockTimeoutMs] stop waiting for another tab's refresh lock after this
 *   (default 1.5 × refreshTimeoutMs) and refresh anyway: a frozen tab must not block us for good
 * @param {() => string | null} [options.readCsrfToken] default: the `csrf_refresh_token` cookie
 * @param {string} [options.channelName] BroadcastChannel name (default 'silent-refresh')
 * @param {string} [options.lockName] lock name (default 'silent-refresh:refresh')
 * @param {import('./cross-tab.js').Locks | null} [options.locks] anything shaped like
 *   navigator.locks (`request(name, { signal }, callback)`); default: cross-tab.js's
 *   defaultLocks(), null to disable
 * @param {typeof BroadcastChannel | null} [options.BroadcastChannel] test seam; null to disable
 * @param {Document | null} [options.document] test seam for visibility and cookies
 * @param {Clock} [options.clock] test seam for timers and Date.now()
 */
export function createApiClient(options = {}) {
  const {
    refreshTimeoutMs = 10_000,
    document: doc = globalThis.document ?? null,
    clock = systemClock,
  } = options;
  const readCsrfToken = options.readCsrfToken ?? (() => readCookie(doc, 'csrf_refresh_token'));
  const { on, emit } = createEmitter();
  const requestChain = createInterceptorChain();
  const responseChain = createInterceptorChain();
  /** @type {ReturnType<typeof coordinateTabs> | null} set below; used only when refreshing */
  let tabs = null;
  const { onReauthRequired, onSessionExpired = () => {} } = options;
  /** @type {ReturnType<typeof createReauthPrompt> | null} set below, if the app can prompt */
  let reauth = null;

  let proactiveOn = options.proactiveRefresh ?? true;
  let expiredFirst = options.refreshExpiredFirst ?? proactiveOn;
  const core = createSilentRefresh({
    baseURL: options.baseURL,
    // The app's handler must never break the refresh that calls it.
    onSessionExpired(error) {
      try {
        onSessionExpired(error);
      } catch (e) {
        console.error('api.js: onSessionExpired failed', e);
      }
    },
    fetch: options.fetch,
    refreshTimeoutMs,
    readCsrfToken,
    clock,
    emit,
    coordinate: (run) => (tabs ? tabs.coordinate(run) : run()),
    beforeSend: (config) => requestChain.run(Promise.resolve(config)),
    afterResponse: (response) => responseChain.run(response),
    reauthFor: onReauthRequired && ((...args) => /** @type {any} */ (reauth)(...args)),
    // With proactive refresh off the client is purely reactive: an expired token goes out and
    // its 401 starts the refresh, the path the demo and chapter 10 show.
    refreshExpiredFirst: () => expiredFirst,
  });
  if (onReauthRequired) {
    const { reauthenticate, getSession } = core;
    reauth = createReauthPrompt({ onReauthRequired, reauthenticate, getSession, emit });
  }
  tabs = coordinateTabs({
    getSession: core.getSession,
    setSession: core.setSession,
    readCsrfToken,
    on,
    emit, // `lock` events (cross-tab.js)
    clock,
    locks: options.locks,
    BroadcastChannel: options.BroadcastChannel,
    channelName: options.channelName,
    lockName: options.lockName,
    lockTimeoutMs: options.lockTimeoutMs ?? refreshTimeoutMs * 1.5,
  });
  const proactive = refreshProactively({
    getSession: core.getSession,
    refresh: core.refresh,
    on,
    clock,
    document: doc,
    enabled: proactiveOn,
    refreshMarginMs: options.refreshMarginMs,
    emit, // `session-idle` and `session-active` (proactive-refresh.js)
    idleAfterMs: options.idleAfterMs,
    refreshTokenTtlMs: options.refreshTokenTtlMs,
  });

  return {
    /** On page load: a session from the refresh cookie, or null. */
    restore: () => restoreSession(core),
    login: core.login,
    /** Prove it is still you (POST /auth/reauth): a new session, in every tab. */
    reauthenticate: core.reauthenticate,
    logout: core.logout,
    request: core.request,
    get: (/** @type {string} */ path, /** @type {RequestInput} */ config = {}) =>
      core.request({ ...config, method: 'GET', path }),
    post: (
      /** @type {string} */ path,
      /** @type {unknown} */ data,
      /** @type {RequestInput} */ config = {},
    ) => core.request({ ...config, method: 'POST', path, data }),
    on,
    interceptors: {
      request: { use: requestChain.use, eject: requestChain.eject },
      response: { use: responseChain.use, eject: responseChain.eject },
    },
    getSession: core.getSession,
    /**
     * Replace the access token in memory: the demo's way to corrupt or expire it
     * on purpose, as blog posts do by hand in DevTools. Not for real apps.
     */
    setAccessToken(/** @type {string} */ token) {
      const base = core.getSession() ?? { user: null, accessTokenExpiresAt: null, sessionId: '' };
      core.setSession({ ...base, accessToken: token }, 'set-token');
    },
    /**
     * Turn proactive refresh on or off. Off, the client only reacts to 401s, and sends even a
     * token it knows has expired: the demo shows the 401 path that way.
     * @param {boolean} on
     */
    setProactiveRefresh(on) {
      proactiveOn = expiredFirst = Boolean(on);
      proactive.setEnabled(proactiveOn);
    },
    /** Stop background work (timer, tab channel, visibility listener), e.g. for a new client. */
    destroy() {
      proactive.destroy();
      tabs?.destroy();
    },
    // For adapters that bring their own transport (frontend/js/axios.js): the core itself,
    // whose policy steps they call instead of copying them. A symbol key: not part of the
    // app-facing API (Object.keys skips it).
    [SESSION_CORE]: core,
    /**
     * Move the whole session (token, expiry, user) to `other`, a client of
     * either kind, and forget it here without a logout: the server session
     * goes on. The demo swaps clients this way.
     * @param {any} other
     */
    handSessionTo(other) {
      const session = core.getSession();
      if (!session) return;
      other[RECEIVE_SESSION](session);
      core.setSession(null, 'handover');
    },
    [RECEIVE_SESSION]: (/** @type {Session} */ session) => core.setSession(session, 'handover'),
  };
}

/** The receiving end of handSessionTo, shared with naive.js without an import. */
const RECEIVE_SESSION = Symbol.for('silent-refresh:receive-session');
