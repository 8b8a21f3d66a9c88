// @ts-check
/**
 * state.js: everything the demo page remembers, in one object, and the one
 * reset that empties it. The session itself is not here: the client holds
 * it (client.getSession()), and the page asks the client each time.
 */

import { createTimelineModel } from './timeline-model.js';

/**
 * @typedef {ReturnType<typeof import('../js/api.js').createApiClient>} Client
 * @typedef {'queued' | 'naive'} Mode
 * @typedef {'503' | 'drop'} BreakKind
 * @typedef {'requests' | 'unauthorized' | 'refreshes' | 'replays' | 'successes' | 'failures'
 *   | 'shared'} CounterName
 */

function fresh() {
  return {
    /** 'checking' while restore() runs, then 'in' or 'out'. */
    session: /** @type {'checking' | 'in' | 'out'} */ ('out'),
    /** The token we planted with "corrupt", to label the countdown. */
    corruptedToken: '',
    /**
     * The code of the failure we explained, or '' while the session is alive.
     * The naive client reports every failed refresh, in whatever order the
     * answers arrive: explain once, but let token_reused (the root cause) win
     * over the token_revoked answers it causes.
     */
    explainedCode: '',
    /** The cross-tab lock as the client's last `lock` event reported it. */
    lock: { state: /** @type {'ok' | 'degraded'} */ ('ok'), reason: '' },
    /** "Break the next refresh": how it fails on purpose, or null. */
    breakNext: /** @type {BreakKind | null} */ (null),
    /** Counter name → how many of those events the clients emitted. */
    counters: /** @type {Record<CounterName, number>} */ ({
      requests: 0,
      unauthorized: 0,
      refreshes: 0,
      replays: 0,
      successes: 0,
      failures: 0,
      shared: 0,
    }),
  };
}

export const state = {
  ...fresh(),
  /** Which interceptor the page uses: a choice of the presenter, kept by reset. */
  mode: /** @type {Mode} */ ('queued'),
  /** The client in use. Set by demo.js before anything reads it. */
  client: /** @type {Client} */ (/** @type {unknown} */ (null)),
  /** Each client gets a tag on the timeline: request ids restart at 1 in a new client. */
  generation: 0,
  /** What the timeline shows (timeline.js draws it, export.js exports it). */
  timeline: createTimelineModel(),
};

/** Back to a page that has done nothing yet; the mode, client and generation stay. */
export function resetState() {
  Object.assign(state, fresh());
  state.timeline.clear();
}

/**
 * Count one client event. Counting events, never guessing.
 * @param {import('../js/api.js').ApiEvent} event
 * @returns {boolean} whether a counter changed
 */
export function count(event) {
  const name = counterFor(event);
  if (name) state.counters[name] += 1;
  return name !== null;
}

/** @param {import('../js/api.js').ApiEvent} event @returns {CounterName | null} */
function counterFor(event) {
  switch (event.type) {
    case 'request':
      return 'requests';
    case 'unauthorized':
      return 'unauthorized';
    case 'replay':
      return 'replays';
    case 'done':
      return 'successes';
    case 'error':
      return 'failures';
    // A refresh counts when we know it went to the server: a tab that
    // waited for another tab's refresh ends with source 'other-tab'.
    case 'refresh-end':
      return event.source === 'server' ? 'refreshes' : null;
    case 'session':
      return event.reason === 'other-tab' ? 'shared' : null;
    default:
      return null;
  }
}
