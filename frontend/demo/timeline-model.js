// @ts-check
/**
 * timeline-model.js: what the timeline shows, as data. The client's events
 * (see api.js, "events") become bursts of lanes; each lane has its steps
 * (sent → 401 → queued → replayed → 200) and its phases (in flight, waiting,
 * refreshing) in milliseconds from the start of its burst. timeline.js draws
 * this model on the page; export.js draws the same model as an SVG.
 *
 * One lane per request, keyed by its requestId, which stays the same across
 * the replay; one lane per refresh. Times are the events' own `time`
 * (performance.now() when the client emitted them), never the time we drew them.
 *
 * Lanes that happen close together form a "burst" with its own time axis:
 * a presenter clicks, watches, talks, clicks again. A single axis for the
 * whole session would squash each burst into a sliver.
 */

import { t } from './strings.js';
import { createAuthLanes } from './timeline-auth-lanes.js';
import { describeError } from './timeline-text.js';

/** Why a call was sent again, in the page's words. @type {Record<string, string>} */
const REPLAY_WORDS = {
  stale: 'timeline.replayedStale',
  reauthenticated: 'timeline.replayedReauth',
};
/** A burst ends when nothing is in flight and nothing happened for this long. */
const BURST_GAP_MS = 1500;
/** The shortest axis we draw: a 5 ms burst should not fill the whole width. */
const MIN_SPAN_MS = 200;
/** Older bursts are dropped, so a long workshop does not grow the page forever. */
const MAX_BURSTS = 12;

/**
 * @typedef {import('../js/api.js').ApiEvent} ApiEvent
 * @typedef {'flight' | 'wait' | 'refresh' | 'reauth'} PhaseKind
 * @typedef {{ kind: PhaseKind, from: number, to: number | null, refreshId?: number }} Phase
 *   `to` is null while the phase is still running
 * @typedef {{ kind: string, text: string, at: number }} Step
 *   kind: sent, 401, 403, queued, replay, ok, failed, refresh, reauth, note
 * @typedef {{ key: string, kind: 'request' | 'refresh' | 'reauth' | 'note', label: string,
 *   burst: Burst, state: 'pending' | 'ok' | 'failed' | 'info',
 *   tone: 'info' | 'warn' | 'failed', tag: string, steps: Step[], phases: Phase[],
 *   sawUnauthorized: boolean }} Lane
 * @typedef {{ start: number, last: number, pending: number, requests: number,
 *   refreshes: number, lanes: Lane[] }} Burst
 */

/** @param {{ now?: () => number }} [options] now(): the events' clock, performance.now() */
export function createTimelineModel({ now = () => performance.now() } = {}) {
  /** Oldest first. @type {Burst[]} */
  let bursts = [];
  /** @type {Map<string, Lane>} */
  const lanes = new Map();
  /** @type {Set<() => void>} */
  const listeners = new Set();
  /** Set by section(): the next lane starts a new burst even inside the gap. */
  let forceNew = false;

  const changed = () => listeners.forEach((listener) => listener());

  /** The burst an event at `time` belongs to: the current one if it is still going. */
  function burstFor(/** @type {number} */ time) {
    const current = bursts[bursts.length - 1];
    const split = forceNew && current?.pending === 0;
    forceNew = false;
    if (current && !split && (current.pending > 0 || time - current.last < BURST_GAP_MS))
      return current;
    /** @type {Burst} */
    const burst = { start: time, last: time, pending: 0, requests: 0, refreshes: 0, lanes: [] };
    bursts.push(burst);
    while (bursts.length > MAX_BURSTS && bursts[0].pending === 0) {
      for (const lane of /** @type {Burst} */ (bursts.shift()).lanes) lanes.delete(lane.key);
    }
    return burst;
  }

  /**
   * @param {string} key
   * @param {Lane['kind']} kind
   * @param {string} label
   * @param {number} time
   * @param {string} tag
   */
  function addLane(key, kind, label, time, tag) {
    const burst = burstFor(time);
    /** @type {Lane} */
    const lane = {
      key,
      kind,
      label,
      burst,
      tag,
      state: kind === 'note' ? 'info' : 'pending',
      tone: 'info',
      steps: [],
      phases: [],
      sawUnauthorized: false,
    };
    if (lane.state === 'pending') burst.pending += 1;
    if (kind === 'request') burst.requests += 1;
    if (kind === 'refresh') burst.refreshes += 1;
    burst.lanes.push(lane);
    lanes.set(key, lane);
    return lane;
  }

  /** Where `time` falls on the lane's burst's axis. @param {Lane} lane @param {number} time */
  const offset = (lane, time) => Math.max(0, time - lane.burst.start);

  /** @param {Lane} lane @param {string} kind @param {string} text @param {number} time */
  function addStep(lane, kind, text, time) {
    lane.steps.push({ kind, text, at: offset(lane, time) });
    lane.burst.last = Math.max(lane.burst.last, time);
  }

  /**
   * Close the lane's open phase at `time` and open `kind` (or nothing).
   * @param {Lane} lane
   * @param {PhaseKind | null} kind
   * @param {number} time
   * @param {number} [refreshId] for 'wait': which refresh it waits for
   */
  function phase(lane, kind, time, refreshId) {
    const open = lane.phases.at(-1);
    if (open && open.to === null) open.to = offset(lane, time);
    if (kind) lane.phases.push({ kind, from: offset(lane, time), to: null, refreshId });
  }

  /** @param {Lane} lane @param {'ok' | 'failed'} state @param {number} time */
  function finish(lane, state, time) {
    phase(lane, null, time);
    if (lane.state === 'pending') lane.burst.pending -= 1;
    lane.state = state;
  }

  // The refresh and the password prompt each get a lane of their own.
  const authLanes = createAuthLanes({ lanes, addLane, addStep, phase, finish });

  /**
   * Record one client event. `tag` names the client it came from: request
   * and refresh ids restart at 1 in each new client.
   * @param {ApiEvent} event
   * @param {string} [tag]
   */
  function handle(event, tag = '') {
    if (authLanes.handles(event)) {
      authLanes.handle(event, tag);
    } else if (event.requestId !== undefined) {
      handleRequest(event, tag);
    } else {
      return; // session events: the page adds notes for those
    }
    changed();
  }

  /** @param {ApiEvent} event @param {string} tag */
  function handleRequest(event, tag) {
    const key = `${tag}:request:${event.requestId}`;
    const label = `#${event.requestId} ${event.method ?? ''} ${event.path ?? ''}`.trim();
    const lane = lanes.get(key) ?? addLane(key, 'request', label, event.time, tag);
    const step = (/** @type {string} */ kind, /** @type {string} */ text) =>
      addStep(lane, kind, text, event.time);
    switch (event.type) {
      case 'request':
        step('sent', t('timeline.sent'));
        phase(lane, 'flight', event.time);
        break;
      case 'unauthorized':
        lane.sawUnauthorized = true;
        step('401', `401 ${event.code ?? ''}`.trim());
        phase(lane, 'wait', event.time);
        break;
      case 'queued':
        if (event.reauthId !== undefined) {
          // A 403 reauth_required: it waits for the password prompt, not for a refresh.
          step('403', '403 reauth_required');
          step('queued', t('timeline.waitsForPassword', { id: event.reauthId }));
          phase(lane, 'wait', event.time);
        } else if (!lane.sawUnauthorized) {
          // Called while a refresh was running: it waits *before* going out.
          if (lane.steps[0]) lane.steps[0].text = t('timeline.called');
          step('queued', t('timeline.held', { id: event.refreshId }));
        } else {
          step('queued', t('timeline.queued', { id: event.refreshId }));
        }
        phase(lane, 'wait', event.time, event.refreshId);
        break;
      case 'replay':
        step('replay', t(REPLAY_WORDS[event.reason] ?? 'timeline.replayed'));
        phase(lane, 'flight', event.time);
        break;
      case 'done':
        step('ok', String(event.status ?? 'ok'));
        finish(lane, 'ok', event.time);
        break;
      case 'error':
        step('failed', t('timeline.failedWith', { error: describeError(event) }));
        finish(lane, 'failed', event.time);
        break;
    }
  }

  /**
   * A line for something the page did (corrupt, revoke, switch) or that
   * happened to the session.
   * @param {string} text
   * @param {Lane['tone']} [tone]
   */
  function note(text, tone = 'info') {
    const time = now();
    const lane = addLane(`note:${time}:${Math.random()}`, 'note', text, time, '');
    lane.tone = tone;
    addStep(lane, 'note', text, time);
    changed();
  }

  return {
    /** The bursts, oldest first. Read-only for the views. */
    bursts: () => /** @type {readonly Burst[]} */ (bursts),
    now,
    handle,
    note,
    /**
     * Start a new burst headed by `text` (a tour step), so it has its own axis.
     * @param {string} text
     */
    section(text) {
      forceNew = true;
      note(text);
    },
    /** Forget everything (the page's Reset button). */
    clear() {
      bursts = [];
      lanes.clear();
      changed();
    },
    /** Call `listener` after every change. @param {() => void} listener */
    onChange(listener) {
      listeners.add(listener);
    },
  };
}

/** @typedef {ReturnType<typeof createTimelineModel>} TimelineModel */

/** How many lanes are still running, in all bursts. @param {readonly Burst[]} bursts */
export const pendingLanes = (bursts) => bursts.reduce((sum, burst) => sum + burst.pending, 0);

/**
 * The length of a burst's time axis in ms, up to `time` while it runs.
 * @param {Burst} burst
 * @param {number} time
 */
export const spanOf = (burst, time) =>
  Math.max(MIN_SPAN_MS, (burst.pending ? time : burst.last) - burst.start);

/** Where a phase ends on its burst's axis: a running one, at `time`. */
export const phaseEnd = (
  /** @type {Phase} */ p,
  /** @type {Burst} */ burst,
  /** @type {number} */ time,
) => p.to ?? Math.max(p.from, time - burst.start);
