// @ts-check
/**
 * events.js: the event emitter the demo's timeline listens to. Plug its
 * `emit` into the core's `emit` hook; apps subscribe with `on`.
 */

/**
 * @typedef {{ type: string, time: number, [field: string]: any }} ApiEvent
 *   Request events: request, unauthorized, queued, replay, done, error
 *     { requestId, method, path, status?, code?, error?, refreshId? (queued), reason? (replay) }
 *     (queued: refreshId, or reauthId while the password prompt is open;
 *     replay reason: refreshed | stale | reauthenticated)
 *   Refresh events: refresh-start { refreshId, reason: 'reactive'|'proactive'|'restore' },
 *     refresh-end { refreshId, ok, source: 'server'|'other-tab', error? }
 *   Re-authentication: reauth-start { reauthId }, reauth-end { reauthId, ok, error? }
 *   session { session, reason } whenever the session changes (reason: login, reauth,
 *     refresh, restore, other-tab, logout, expired, set-token).
 *   lock { state: 'ok'|'degraded', reason?, error? }: the cross-tab lock (see cross-tab.js).
 *   session-idle { lastInputAt, renewedAt, accessTokenExpiresAt, lapsesAt }, session-active:
 *     proactive refresh pausing for a page nobody uses, and resuming (see proactive-refresh.js).
 * @typedef {{ on(type: string, listener: (event: ApiEvent) => void): () => void,
 *   emit(type: string, fields?: Record<string, any>): void }} Emitter
 */

// #region events
/**
 * A tiny event emitter. `on` subscribes to one event type, or '*' for all,
 * and returns the unsubscribe function; `emit` stamps the event with a time
 * and calls the listeners.
 * @param {string} [owner] named in the console when a listener throws
 * @returns {Emitter}
 */
export function createEmitter(owner = 'api.js') {
  /** @type {Map<string, Set<(event: ApiEvent) => void>>} */
  const listeners = new Map();

  /** Subscribe to one event type, or '*' for all. Returns the unsubscribe function. */
  function on(/** @type {string} */ type, /** @type {(event: ApiEvent) => void} */ listener) {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type)?.add(listener);
    return () => void listeners.get(type)?.delete(listener);
  }

  function emit(/** @type {string} */ type, /** @type {Record<string, any>} */ fields = {}) {
    const event = { type, time: performance.now(), ...fields };
    for (const listener of [...(listeners.get(type) ?? []), ...(listeners.get('*') ?? [])]) {
      // A broken listener (say, the demo's timeline) must never break a request.
      try {
        listener(event);
      } catch (error) {
        console.error(`${owner}: event listener failed`, error);
      }
    }
  }
  return { on, emit };
}
// #endregion
