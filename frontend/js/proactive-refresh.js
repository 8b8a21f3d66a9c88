// @ts-check
/**
 * proactive-refresh.js: refresh shortly before the access token expires, so
 * a busy session normally never sees a 401. Listens to the core's `session`
 * events and calls its single-flight `refresh('proactive')`.
 *
 * It keeps the session alive only while someone uses the page. Refresh
 * tokens should run out when the client is inactive (RFC 9700 §4.14.2), and a
 * timer in a forgotten tab would renew them until SESSION_MAX_AGE. So after
 * `idleAfterMs` without user input the timer lets the refresh pass, and an
 * abandoned tab lets its session lapse as a closed tab would. Input brings it
 * back: the next refresh runs at once, and succeeds while the refresh token
 * is still valid. Events for the app:
 *   session-idle { lastInputAt, renewedAt, accessTokenExpiresAt, lapsesAt }
 *     each time the timer skips a refresh. renewedAt: when the refresh cookie
 *     was last renewed (login, refresh, another tab's refresh). lapsesAt:
 *     renewedAt + refreshTokenTtlMs, when the session ends at the latest if
 *     nobody returns (null without refreshTokenTtlMs): time to warn the user.
 *   session-active {} when input comes back after a session-idle.
 * Calls the app makes on its own (polling) still refresh on a 401: only the
 * timer watches for input.
 */

/** @typedef {import('./silent-refresh.js').Session} Session */

/** Largest proactive margin: refresh at most a minute before expiry. */
const MAX_REFRESH_MARGIN_MS = 60_000;
/** Tokens living less than this are not refreshed proactively (the 401 path still works). */
const MIN_PROACTIVE_LIFETIME_MS = 1_000;
/** Without input for this long, stop keeping the session alive: longer than reading a page. */
export const DEFAULT_IDLE_AFTER_MS = 30 * 60_000;
/** What counts as someone using the page (listened to on the document, while capturing). */
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'focusin'];

// #region proactive-refresh
/**
 * @param {{ getSession(): Session | null, refresh(reason: string): Promise<unknown>,
 *   on(type: string, listener: (event: any) => void): () => void,
 *   emit?(type: string, fields: Record<string, any>): void, enabled?: boolean,
 *   refreshMarginMs?: number, idleAfterMs?: number | null, refreshTokenTtlMs?: number | null,
 *   document?: Document | null, clock: { now(): number,
 *   setTimeout(fn: () => void, ms: number): any, clearTimeout(id: any): void } }} options
 */
export function refreshProactively({
  getSession,
  refresh,
  on,
  emit = () => {},
  enabled = true,
  refreshMarginMs,
  idleAfterMs = DEFAULT_IDLE_AFTER_MS,
  refreshTokenTtlMs = null,
  document: doc = null,
  clock,
}) {
  for (const [name, value] of Object.entries({ idleAfterMs, refreshTokenTtlMs }))
    if (value !== null && !(Number.isFinite(value) && value > 0))
      throw new RangeError(
        `${name} must be a positive number of milliseconds or null, not ${value}`,
      );
  /** @type {any} */
  let timer = null;
  let destroyed = false;
  /** Lifetime of the current access token, measured when it arrived. */
  let lifetimeMs = 0;
  /** @type {number | null} */
  let measuredExpiry = null;
  /** The last user input, and when the refresh cookie was last renewed. */
  let lastInputAt = clock.now(),
    renewedAt = clock.now();
  /** Did the timer skip a refresh since the last input? */
  let idle = false;

  /**
   * Margin before expiry: a fifth of the token's life, at most a minute, and
   * never more than half of it. A 15-minute token refreshes a minute early, a
   * 20-second one 4 s early, a 3-second one 0.6 s early: each token serves at
   * least half its life, so short lifetimes can never cause a refresh storm.
   */
  function refreshMargin() {
    const margin = refreshMarginMs ?? Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 5);
    return Math.min(margin, lifetimeMs / 2);
  }

  function schedule() {
    clock.clearTimeout(timer);
    timer = null;
    const session = getSession();
    if (!enabled || destroyed || !session?.accessTokenExpiresAt) return;
    if (lifetimeMs < MIN_PROACTIVE_LIFETIME_MS) return;
    // Hidden tabs wait: browsers throttle their timers anyway, and a tab
    // nobody looks at needn't keep a session warm. visibilitychange resumes.
    if (doc?.visibilityState === 'hidden') return;
    const delay = Math.max(0, session.accessTokenExpiresAt - refreshMargin() - clock.now());
    timer = clock.setTimeout(() => {
      timer = null;
      if (idleAfterMs !== null && clock.now() - lastInputAt >= idleAfterMs) {
        skipBecauseIdle(session);
        return;
      }
      // Same single flight as the 401 path. A refused refresh has ended the
      // session and told the app; a transient failure leaves the 401 path.
      refresh('proactive').catch(() => {});
    }, delay);
  }

  // #region idle
  /** Nobody used the page for idleAfterMs: let the session run down. @param {Session} session */
  function skipBecauseIdle(session) {
    idle = true;
    emit('session-idle', {
      lastInputAt,
      renewedAt,
      accessTokenExpiresAt: session.accessTokenExpiresAt,
      lapsesAt: refreshTokenTtlMs === null ? null : renewedAt + refreshTokenTtlMs,
    });
  }

  /** Someone is here: note it, and after a skipped refresh, refresh now. */
  function onInput() {
    lastInputAt = clock.now();
    if (!idle) return;
    idle = false;
    emit('session-active', {});
    schedule();
  }
  // #endregion

  const off = on('session', ({ session, reason }) => {
    const expiry = session?.accessTokenExpiresAt ?? null;
    if (session && expiry !== measuredExpiry) {
      lifetimeMs = (expiry ?? 0) - clock.now();
      renewedAt = clock.now(); // a new token: the refresh cookie was renewed with it
    }
    measuredExpiry = expiry;
    if (reason === 'login') lastInputAt = clock.now(); // the user just typed a password
    schedule();
  });
  function onVisibilityChange() {
    if (doc?.visibilityState === 'visible') onInput();
    schedule();
  }
  doc?.addEventListener?.('visibilitychange', onVisibilityChange);
  // Capture: an app that stops an event's propagation still has a user.
  const listening = { capture: true, passive: true };
  for (const type of INPUT_EVENTS) doc?.addEventListener?.(type, onInput, listening);
  doc?.defaultView?.addEventListener?.('focus', onInput); // back from another window
  // #endregion

  return {
    /** Turn it on or off (the demo shows the 401 path with it off). */
    setEnabled(/** @type {boolean} */ on) {
      enabled = Boolean(on);
      schedule();
    },
    /** Stop the timer and the page listeners. */
    destroy() {
      destroyed = true;
      schedule(); // clears the timer
      off();
      doc?.removeEventListener?.('visibilitychange', onVisibilityChange);
      for (const type of INPUT_EVENTS) doc?.removeEventListener?.(type, onInput, listening);
      doc?.defaultView?.removeEventListener?.('focus', onInput);
    },
  };
}
