// @ts-check
/**
 * client-notes.js: the client's events that are neither requests nor
 * refreshes, as lines on the timeline and words for the room:
 *
 * - session-idle: nobody has used the page for a while, so proactive refresh
 *   stops keeping the session alive (an abandoned tab must let it lapse, as
 *   a closed tab would). The note says when it lapses, and at that moment
 *   the timeline marks the lapse: the refresh token has expired on the server.
 * - session-active: someone is back; the next refresh runs at once.
 * - lock: the cross-tab lock degraded (a refresh ran without it) or recovered.
 */

import { state } from './state.js';
import { t } from './strings.js';
import { lockReason, renderLock, say } from './view.js';

/** @typedef {import('../js/api.js').ApiEvent} ApiEvent */

/** @param {{ note: (text: string, tone?: 'info' | 'warn' | 'failed') => void }} page */
export function createClientNotes({ note }) {
  /** @type {ReturnType<typeof setTimeout> | undefined} marks the lapse, while nobody is back */
  let lapseTimer;

  /** @param {ApiEvent} event */
  function idle(event) {
    const seconds = Math.round((Date.now() - event.lastInputAt) / 1000);
    if (event.lapsesAt === null) {
      note(t('note.idle', { seconds }), 'warn');
      say(t('say.idle'));
      return;
    }
    const at = new Date(event.lapsesAt).toLocaleTimeString(undefined, { hour12: false });
    note(t('note.idleLapses', { seconds, at }), 'warn');
    say(t('say.idleLapses', { at }));
    clearTimeout(lapseTimer);
    lapseTimer = setTimeout(
      () => {
        note(t('note.lapsed'), 'failed');
        say(t('say.lapsed'));
      },
      Math.max(0, event.lapsesAt - Date.now()),
    );
  }

  /** @param {ApiEvent} event */
  function lock(event) {
    const was = state.lock.state;
    state.lock = { state: event.state, reason: event.reason ?? '' };
    renderLock();
    if (event.state === 'degraded') note(t('note.lockDegraded', { reason: lockReason() }), 'warn');
    else if (was === 'degraded') note(t('note.lockOk'));
  }

  /** @param {ApiEvent} event one of the current client's events */
  return function onEvent(event) {
    switch (event.type) {
      case 'session-idle':
        idle(event);
        break;
      case 'session-active':
        clearTimeout(lapseTimer);
        note(t('note.active'));
        say(t('say.active'));
        break;
      case 'session':
        // Ended, or renewed (a refresh here or in another tab, a login): no lapse to mark.
        if (!['set-token', 'handover'].includes(event.reason)) clearTimeout(lapseTimer);
        break;
      case 'lock':
        lock(event);
        break;
    }
  };
}
