// @ts-check
/**
 * timeline-text.js: the words of the timeline that are made from data: a
 * burst's title, a failure's status and code, a refresh's reason, a time.
 */

import { has, t } from './strings.js';

/**
 * @typedef {import('../js/api.js').ApiEvent} ApiEvent
 * @typedef {import('./timeline-model.js').Burst} Burst
 */

/**
 * The title of a burst: when, how many, how long.
 * @param {Burst} burst
 * @param {number} time now, for a burst still running
 */
export function burstTitle(burst, time) {
  const parts = [clockTime(burst.start)];
  if (burst.requests)
    parts.push(
      burst.requests === 1 ? t('timeline.request') : t('timeline.requests', { n: burst.requests }),
    );
  if (burst.refreshes)
    parts.push(
      burst.refreshes === 1
        ? t('timeline.refreshOne')
        : t('timeline.refreshes', { n: burst.refreshes }),
    );
  const end = burst.pending ? time : burst.last;
  parts.push(burst.pending ? t('timeline.running') : `${Math.round(end - burst.start)} ms`);
  return parts.join(' · ');
}

/**
 * Why a refresh started (reactive, proactive, restore), in the page's words.
 * @param {unknown} reason
 */
export function reasonWord(reason) {
  const key = `timeline.reason.${reason}`;
  return has(key) ? t(key) : String(reason);
}

/** @param {ApiEvent} event an error or refresh-end event */
export function describeError(event) {
  const error = event.error;
  const status = event.status ?? error?.status;
  const code = event.code ?? error?.code ?? 'error';
  const cause = error?.cause?.code;
  return [status || '', code, cause ? `(${cause})` : ''].filter(Boolean).join(' ');
}

/** Wall-clock time of a performance.now() timestamp, to the millisecond. */
function clockTime(/** @type {number} */ time) {
  const date = new Date(performance.timeOrigin + time);
  const ms = String(date.getMilliseconds()).padStart(3, '0');
  return `${date.toLocaleTimeString(undefined, { hour12: false })}.${ms}`;
}
