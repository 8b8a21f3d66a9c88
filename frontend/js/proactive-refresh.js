// @ts-check
/**
 * proactive-refresh.js: refresh shortly before the access token expires, so
 * a busy session normally never sees a 401. Listens to the core's `session`
 * events and calls its single-flight `refresh('proactive')`.
 */

/** @typedef {import('./silent-refresh.js').Session} Session */

/** Largest proactive margin: refresh at most a minute before expiry. */
const MAX_REFRESH_MARGIN_MS = 60_000;
/** Tokens living less than this are not refreshed proactively (the 401 path still works). */
const MIN_PROACTIVE_LIFETIME_MS = 1_000;

// #region proactive-refresh
/**
 * @param {{ getSession(): Session | null, refresh(reason: string): Promise<unknown>,
 *   on(type: string, listener: (event: any) => void): () => void, enabled?: boolean, refreshMarginMs?: number,
 *   document?: Document | null, clock: { now(): number, setTimeout(fn: () => void, ms: number): any, clearTimeout(id: any): void } }} options
 */
export function refreshProactively({
  getSession,
  refresh,
  on,
  enabled = true,
  refreshMarginMs,
  document: doc = null,
  clock,
}) {
  /** @type {any} */
  let timer = null;
  let destroyed = false;
  /** Lifetime of the current access token, measured when it arrived. */
  let lifetimeMs = 0;
  /** @type {number | null} */
  let measuredExpiry = null;

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
      // Same single flight as the 401 path. A refused refresh has ended the
      // session and told the app; a transient failure leaves the 401 path.
      refresh('proactive').catch(() => {});
    }, delay);
  }

  const off = on('session', ({ session }) => {
    const expiry = session?.accessTokenExpiresAt ?? null;
    if (session && expiry !== measuredExpiry) lifetimeMs = (expiry ?? 0) - clock.now();
    measuredExpiry = expiry;
    schedule();
  });
  doc?.addEventListener?.('visibilitychange', schedule);
  // #endregion

  return {
    /** Turn it on or off (the demo shows the 401 path with it off). */
    setEnabled(/** @type {boolean} */ on) {
      enabled = Boolean(on);
      schedule();
    },
    /** Stop the timer and the visibility listener. */
    destroy() {
      destroyed = true;
      schedule(); // clears the timer
      off();
      doc?.removeEventListener?.('visibilitychange', schedule);
    },
  };
}
