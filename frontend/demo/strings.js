// @ts-check
/**
 * strings.js: the words of the workshop tour, the break-it control, the
 * lock display, reset and export. One table, so a translation is one more
 * table of the same shape.
 */

export const strings = {
  tour: {
    open: 'Workshop tour',
    heading: 'Workshop tour',
    stepOf: (/** @type {number} */ n, /** @type {number} */ total) => `Step ${n} of ${total}`,
    back: 'Back',
    next: 'Next',
    doIt: 'Do it',
    running: 'Running…',
    keys: '→ next · ← back · space: do it',
    close: 'Close the tour',
  },
  /** The nine steps, in order: title and one or two sentences of what to watch. */
  steps: {
    login: {
      title: 'Log in',
      text: 'The server answers with a short-lived access token, kept in this page\'s memory, and sets the refresh token as an HttpOnly cookie the page cannot read. The countdown is the access token\'s life.',
    },
    call: {
      title: 'Call /aaa',
      text: 'Every call carries the access token in its Authorization header. One lane: sent, then 200. No refresh.',
    },
    corrupt: {
      title: 'Corrupt the token',
      text: 'We break the token\'s signature, as blog posts do by hand. The call gets a 401, the client refreshes once and replays it: the caller only sees the 200.',
    },
    burst: {
      title: 'A queued burst',
      text: 'Five calls with a dead token: five 401s but one refresh call. The other calls wait in the queue (purple) and are replayed with the new token.',
    },
    naive: {
      title: 'The same burst, naive',
      text: 'The blog version refreshes on every 401: five refresh calls with the same refresh token. Rotation spent it on the first, so the server takes the others for theft and ends the session.',
    },
    revoke: {
      title: 'Revoke',
      text: 'We log out on the server only. The access token still works (it is stateless); the refresh after it fails, and the session ends cleanly: no call hangs.',
    },
    tabs: {
      title: 'Two tabs',
      text: 'Do it opens a second tab (it restores the session from the cookie); Do it again fires a burst here. One tab refreshes, the other gets the new token without calling the server.',
    },
    proactive: {
      title: 'Proactive refresh',
      text: 'With proactive refresh on, the client renews the token shortly before it runs out, so a busy session never sees a 401. Watch for a "proactive" refresh lane before the countdown reaches zero.',
    },
    failure: {
      title: 'When the refresh itself fails',
      text: 'The next refresh answers 503, as an overloaded server would. The waiting call fails with a clear error instead of hanging; only a refused refresh (a 401) ends the session.',
    },
  },
  secondTabOpened: 'Second tab opened. Click Do it again to fire a burst in this tab.',
  popupBlocked: 'The browser blocked the second tab: open this page in a new tab by hand.',
  breakIt: {
    legend: 'Break the next refresh',
    kindLabel: 'Fail with',
    button: 'Break the next refresh',
    kinds: { 503: '503 Service Unavailable', drop: 'dropped connection' },
    armed: (/** @type {string} */ kind) => `Armed: the next refresh will fail with a ${kind}.`,
    off: 'Off: refreshes reach the server.',
    used: (/** @type {string} */ kind) => `The refresh failed on purpose (${kind}).`,
    body503: 'Broken on purpose by the demo page (503).',
    dropMessage: 'Failed to fetch (connection dropped on purpose by the demo page)',
  },
  lock: {
    label: 'Cross-tab lock',
    webLocks: 'Web Locks',
    fallback: 'fallback lease (not a secure context)',
    free: 'free',
    heldBy: (/** @type {string} */ owner, /** @type {number} */ seconds) => `held by tab ${owner}, ${seconds} s left`,
  },
  reset: {
    button: 'Reset everything',
    done: 'Reset: logged out, timeline and counters cleared, refresh numbering starts again at #1.',
  },
  switched: (/** @type {string} */ mode, /** @type {boolean} */ kept) =>
    `Switched to the ${mode} interceptor${kept ? ': it carries on with the same access token.' : '.'}`,
  exportTimeline: {
    svg: 'Export SVG',
    png: 'Export PNG',
    title: 'Silent Refresh: timeline',
    empty: 'Nothing to export yet: the timeline is empty.',
  },
};
