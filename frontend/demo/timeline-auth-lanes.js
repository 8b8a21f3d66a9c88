// @ts-check
/**
 * timeline-auth-lanes.js: the timeline's lanes for the calls that get a
 * session going again: the refresh (after a 401, or before expiry) and the
 * password prompt (after a 403 reauth_required). Each has a lane of its own,
 * and the requests waiting for it show their wait in theirs. The lanes live
 * in timeline-model.js, which hands its building blocks in here.
 */

import { t } from './strings.js';
import { describeError, reasonWord } from './timeline-text.js';

/**
 * @typedef {import('../js/api.js').ApiEvent} ApiEvent
 * @typedef {import('./timeline-model.js').Lane} Lane
 * @typedef {import('./timeline-model.js').PhaseKind} PhaseKind
 * @typedef {{ lanes: Map<string, Lane>,
 *   addLane(key: string, kind: Lane['kind'], label: string, time: number, tag: string): Lane,
 *   addStep(lane: Lane, kind: string, text: string, time: number): void,
 *   phase(lane: Lane, kind: PhaseKind | null, time: number, refreshId?: number): void,
 *   finish(lane: Lane, state: 'ok' | 'failed', time: number): void }} LaneTools
 */

/** @param {LaneTools} tools */
export function createAuthLanes({ lanes, addLane, addStep, phase, finish }) {
  /** @param {ApiEvent} event @param {string} tag */
  function handleRefresh(event, tag) {
    const key = `${tag}:refresh:${event.refreshId}`;
    const started = event.type === 'refresh-start';
    // The end of a refresh that started before this page listened has no reason.
    const label = started
      ? t('timeline.refreshLane', { id: event.refreshId, reason: reasonWord(event.reason) })
      : t('timeline.refreshLaneShort', { id: event.refreshId });
    const lane = lanes.get(key) ?? addLane(key, 'refresh', label, event.time, tag);
    if (started) {
      addStep(lane, 'refresh', 'POST /auth/refresh', event.time);
      phase(lane, 'refresh', event.time);
      return;
    }
    if (event.ok) {
      const words = event.source === 'other-tab' ? 'timeline.otherTabToken' : 'timeline.newToken';
      addStep(lane, 'ok', t(words), event.time);
    } else {
      const text = t('timeline.failedWith', { error: describeError(event) });
      addStep(lane, 'failed', text, event.time);
    }
    finish(lane, event.ok ? 'ok' : 'failed', event.time);
    if (!event.ok) return;
    // Requests that were held *before* going out have no replay event:
    // they leave the queue when this refresh ends, so end their wait here.
    for (const other of lane.burst.lanes) {
      const open = other.phases.at(-1);
      const waiting = open?.to === null && open.kind === 'wait';
      if (other.tag === tag && waiting && open.refreshId === event.refreshId)
        phase(other, 'flight', event.time);
    }
  }

  /**
   * The password prompt: open from the first 403 until the new session (or
   * the cancel). The calls waiting for it replay, or fail, with their own events.
   * @param {ApiEvent} event
   * @param {string} tag
   */
  function handleReauth(event, tag) {
    const key = `${tag}:reauth:${event.reauthId}`;
    const label = t('timeline.reauthLane', { id: event.reauthId });
    const lane = lanes.get(key) ?? addLane(key, 'reauth', label, event.time, tag);
    if (event.type === 'reauth-start') {
      addStep(lane, 'reauth', t('timeline.asksPassword'), event.time);
      phase(lane, 'reauth', event.time);
      return;
    }
    if (event.ok) {
      addStep(lane, 'ok', t('timeline.newSession'), event.time);
    } else {
      const text = t('timeline.failedWith', { error: describeError(event) });
      addStep(lane, 'failed', text, event.time);
    }
    finish(lane, event.ok ? 'ok' : 'failed', event.time);
  }

  return {
    /** Is this event one of ours? @param {ApiEvent} event */
    handles: (event) => /^(refresh|reauth)-(start|end)$/.test(event.type),
    /** @param {ApiEvent} event @param {string} tag */
    handle(event, tag) {
      if (event.type.startsWith('refresh-')) handleRefresh(event, tag);
      else handleReauth(event, tag);
    },
  };
}
