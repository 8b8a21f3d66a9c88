// @ts-check
/**
 * timeline.js: draws the client's events (see api.js, "events") as lanes.
 *
 * One lane per request, keyed by its requestId, which stays the same across
 * the replay; one highlighted lane per refresh. Each lane shows its steps as
 * text (sent → 401 → queued → replayed → 200) and as a bar on a time axis,
 * so you can *see* five requests wait behind one refresh.
 *
 * Times are the events' own `time` (performance.now() when the client
 * emitted them), never the time we happened to draw them.
 *
 * Lanes that happen close together form a "burst" with its own time axis:
 * a presenter clicks, watches, talks, clicks again. A single axis for the
 * whole session would squash each burst into a sliver.
 */

import { t } from './strings.js';

/** A burst ends when nothing is in flight and nothing happened for this long. */
const BURST_GAP_MS = 1500;
/** The shortest axis we draw: a 5 ms burst should not fill the whole width. */
const MIN_SPAN_MS = 200;
/** Older bursts are dropped, so a long workshop does not grow the page forever. */
const MAX_BURSTS = 12;

/**
 * @typedef {import('../js/api.js').ApiEvent} ApiEvent
 * @typedef {'flight' | 'wait' | 'refresh'} PhaseKind
 * @typedef {{ kind: PhaseKind, from: number, el: HTMLElement, refreshId?: number }} OpenPhase
 * @typedef {{ key: string, kind: 'request' | 'refresh' | 'note', burst: Burst, el: HTMLElement,
 *   track: HTMLElement, steps: HTMLElement, pending: boolean, open: OpenPhase | null,
 *   tag: string, sawUnauthorized: boolean }} Lane
 * @typedef {{ start: number, last: number, pending: number, requests: number, refreshes: number,
 *   el: HTMLElement, title: HTMLElement, list: HTMLElement, lanes: Lane[] }} Burst
 */

/**
 * @param {HTMLElement} root an empty <ol> (or <div>) that will hold the bursts
 * @param {{ now?: () => number }} [options] now(): the events' clock, performance.now()
 */
export function createTimeline(root, { now = () => performance.now() } = {}) {
  /** @type {Burst[]} */
  let bursts = [];
  /** @type {Map<string, Lane>} */
  const lanes = new Map();
  let frame = 0;
  /** Set by section(): the next lane starts a new burst even inside the gap. */
  let forceNew = false;

  // #region bursts
  /** The burst an event at `time` belongs to: the current one if it is still going. */
  function burstFor(/** @type {number} */ time) {
    const current = bursts[bursts.length - 1];
    const split = forceNew && current?.pending === 0;
    forceNew = false;
    if (current && !split && (current.pending > 0 || time - current.last < BURST_GAP_MS))
      return current;
    return newBurst(time);
  }

  function newBurst(/** @type {number} */ time) {
    const el = element('li', 'burst');
    const title = element('h3', 'burst__title');
    const list = element('ol', 'burst__lanes');
    el.append(title, list);
    /** @type {Burst} */
    const burst = {
      start: time,
      last: time,
      pending: 0,
      requests: 0,
      refreshes: 0,
      el,
      title,
      list,
      lanes: [],
    };
    bursts.push(burst);
    root.prepend(el); // newest on top: what just happened is what the room looks at
    trim();
    return burst;
  }

  /** Drop the oldest finished bursts beyond MAX_BURSTS. */
  function trim() {
    while (bursts.length > MAX_BURSTS && bursts[0].pending === 0) {
      const old = /** @type {Burst} */ (bursts.shift());
      for (const lane of old.lanes) lanes.delete(lane.key);
      old.el.remove();
    }
  }
  // #endregion

  // #region lanes
  /**
   * @param {string} key
   * @param {Lane['kind']} kind
   * @param {string} label
   * @param {number} time
   * @param {string} tag which client the event came from (ids restart with each client)
   */
  function addLane(key, kind, label, time, tag) {
    const burst = burstFor(time);
    const el = element('li', `lane lane--${kind}`);
    el.dataset.state = kind === 'note' ? 'info' : 'pending';
    const name = element('span', 'lane__label', label);
    const track = element('div', 'lane__track');
    track.setAttribute('aria-hidden', 'true'); // the steps below say the same in words
    const steps = element('ol', 'lane__steps');
    el.append(name, track, steps);
    burst.list.append(el);
    /** @type {Lane} */
    const lane = {
      key,
      kind,
      burst,
      el,
      track,
      steps,
      pending: kind !== 'note',
      open: null,
      tag,
      sawUnauthorized: false,
    };
    if (lane.pending) burst.pending += 1;
    if (kind === 'request') burst.requests += 1;
    if (kind === 'refresh') burst.refreshes += 1;
    burst.lanes.push(lane);
    lanes.set(key, lane);
    updatePendingCount();
    return lane;
  }

  /**
   * Append a step: its words in the list, a mark on the track.
   * @param {Lane} lane
   * @param {string} kind css modifier: sent, 401, queued, replay, ok, failed, refresh, note
   * @param {string} text
   * @param {number} time
   */
  function addStep(lane, kind, text, time) {
    const at = Math.max(0, time - lane.burst.start);
    const step = element('li', `step step--${kind}`);
    step.append(
      element('span', 'step__name', text),
      ' ',
      element('span', 'step__time', `+${Math.round(at)} ms`),
    );
    lane.steps.append(step);
    const mark = element('span', `mark mark--${kind}`);
    mark.style.setProperty('--at', String(at));
    mark.title = text;
    lane.track.append(mark);
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
    const at = Math.max(0, time - lane.burst.start);
    if (lane.open) {
      lane.open.el.style.setProperty('--to', String(at));
      lane.open.el.classList.remove('phase--open');
      lane.open = null;
    }
    if (!kind) return;
    const el = element('span', `phase phase--${kind} phase--open`);
    el.style.setProperty('--from', String(at));
    el.style.setProperty('--to', String(at));
    lane.track.prepend(el); // under the marks
    lane.open = { kind, from: at, el, refreshId };
    schedule();
  }

  /** @param {Lane} lane @param {'ok' | 'failed'} state @param {number} time */
  function finish(lane, state, time) {
    phase(lane, null, time);
    lane.el.dataset.state = state;
    if (lane.pending) {
      lane.pending = false;
      lane.burst.pending -= 1;
    }
    updateTitle(lane.burst);
    updatePendingCount();
  }
  // #endregion

  // #region events
  /**
   * Draw one client event.
   * @param {ApiEvent} event
   * @param {string} tag
   */
  function handle(event, tag = '') {
    if (event.type === 'refresh-start' || event.type === 'refresh-end')
      return handleRefresh(event, tag);
    if (event.requestId === undefined) return; // session events: the page adds notes for those
    const key = `${tag}:request:${event.requestId}`;
    const lane =
      lanes.get(key) ??
      addLane(
        key,
        'request',
        `#${event.requestId} ${event.method ?? ''} ${event.path ?? ''}`.trim(),
        event.time,
        tag,
      );
    switch (event.type) {
      case 'request':
        addStep(lane, 'sent', t('timeline.sent'), event.time);
        phase(lane, 'flight', event.time);
        break;
      case 'unauthorized':
        lane.sawUnauthorized = true;
        addStep(lane, '401', `401 ${event.code ?? ''}`.trim(), event.time);
        phase(lane, 'wait', event.time);
        break;
      case 'queued':
        if (!lane.sawUnauthorized) {
          // Called while a refresh was running: it waits *before* going out.
          relabelFirstStep(lane, t('timeline.called'));
          addStep(lane, 'queued', t('timeline.held', { id: event.refreshId }), event.time);
        } else {
          addStep(lane, 'queued', t('timeline.queued', { id: event.refreshId }), event.time);
        }
        phase(lane, 'wait', event.time, event.refreshId);
        break;
      case 'replay':
        addStep(
          lane,
          'replay',
          t(event.reason === 'stale' ? 'timeline.replayedStale' : 'timeline.replayed'),
          event.time,
        );
        phase(lane, 'flight', event.time);
        break;
      case 'done':
        addStep(lane, 'ok', String(event.status ?? 'ok'), event.time);
        finish(lane, 'ok', event.time);
        break;
      case 'error':
        addStep(
          lane,
          'failed',
          t('timeline.failedWith', { error: describeError(event) }),
          event.time,
        );
        finish(lane, 'failed', event.time);
        break;
      default:
        return;
    }
    updateTitle(lane.burst);
  }

  /** @param {ApiEvent} event @param {string} tag */
  function handleRefresh(event, tag) {
    const key = `${tag}:refresh:${event.refreshId}`;
    let lane = lanes.get(key);
    if (event.type === 'refresh-start') {
      lane ??= addLane(
        key,
        'refresh',
        t('timeline.refreshLane', { id: event.refreshId, reason: event.reason }),
        event.time,
        tag,
      );
      addStep(lane, 'refresh', 'POST /auth/refresh', event.time);
      phase(lane, 'refresh', event.time);
      updatePendingCount();
      updateTitle(lane.burst);
      return;
    }
    lane ??= addLane(
      key,
      'refresh',
      t('timeline.refreshLaneShort', { id: event.refreshId }),
      event.time,
      tag,
    );
    if (event.ok) {
      addStep(
        lane,
        'ok',
        t(event.source === 'other-tab' ? 'timeline.otherTabToken' : 'timeline.newToken'),
        event.time,
      );
    } else {
      addStep(
        lane,
        'failed',
        t('timeline.failedWith', { error: describeError(event) }),
        event.time,
      );
    }
    finish(lane, event.ok ? 'ok' : 'failed', event.time);
    // Requests that were held *before* going out have no replay event:
    // they leave the queue when this refresh ends, so end their wait here.
    for (const other of lane.burst.lanes) {
      if (
        other.tag === tag &&
        other.open?.kind === 'wait' &&
        other.open.refreshId === event.refreshId &&
        event.ok
      ) {
        phase(other, 'flight', event.time);
      }
    }
  }

  /** @param {Lane} lane @param {string} text */
  function relabelFirstStep(lane, text) {
    const name = lane.steps.querySelector('.step__name');
    if (name) name.textContent = text;
  }

  /**
   * A line in the timeline for something the page did (corrupt, revoke,
   * switch) or that happened to the session.
   * @param {string} text
   * @param {'info' | 'warn' | 'failed'} [tone]
   * @param {number} [time]
   */
  function note(text, tone = 'info', time = now()) {
    const lane = addLane(`note:${time}:${Math.random()}`, 'note', text, time, '');
    lane.el.dataset.tone = tone;
    addStep(lane, 'note', text, time);
    updateTitle(lane.burst);
  }
  /** Start a new burst headed by `text` (a tour step), so it has its own axis. @param {string} text */
  function section(text) {
    forceNew = true;
    note(text);
  }
  // #endregion

  // #region drawing
  /** Title of a burst: when, how many, how long. */
  function updateTitle(/** @type {Burst} */ burst) {
    const parts = [clockTime(burst.start)];
    if (burst.requests)
      parts.push(
        burst.requests === 1
          ? t('timeline.request')
          : t('timeline.requests', { n: burst.requests }),
      );
    if (burst.refreshes)
      parts.push(
        burst.refreshes === 1
          ? t('timeline.refreshOne')
          : t('timeline.refreshes', { n: burst.refreshes }),
      );
    const end = burst.pending ? now() : burst.last;
    parts.push(burst.pending ? t('timeline.running') : `${Math.round(end - burst.start)} ms`);
    burst.title.textContent = parts.join(' · ');
    burst.el.dataset.pending = String(burst.pending);
  }

  /** Redraw the time axes while something is in flight, once per frame. */
  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw() {
    frame = 0;
    const t = now();
    let running = false;
    for (const burst of bursts) {
      const end = burst.pending ? t : burst.last;
      burst.el.style.setProperty('--span', String(Math.max(MIN_SPAN_MS, end - burst.start)));
      if (!burst.pending) continue;
      running = true;
      for (const lane of burst.lanes) {
        lane.open?.el.style.setProperty('--to', String(t - burst.start));
      }
      updateTitle(burst);
    }
    if (running) schedule();
  }

  function updatePendingCount() {
    const pending = bursts.reduce((sum, burst) => sum + burst.pending, 0);
    root.dataset.pending = String(pending);
    root.dataset.empty = String(bursts.length === 0);
    schedule();
  }
  // #endregion

  /** Forget everything (the page's Reset button). */
  function clear() {
    bursts = [];
    lanes.clear();
    root.replaceChildren();
    updatePendingCount();
  }

  updatePendingCount();
  return { handle, note, section, clear };
}

/** @param {ApiEvent} event an error or refresh-end event */
function describeError(event) {
  const error = event.error;
  const status = event.status ?? error?.status;
  const code = event.code ?? error?.code ?? 'error';
  const cause = error?.cause?.code;
  return [status || '', code, cause ? `(${cause})` : ''].filter(Boolean).join(' ');
}

/** Wall-clock time of a performance.now() timestamp, to the millisecond. */
function clockTime(/** @type {number} */ time) {
  const date = new Date(performance.timeOrigin + time);
  return (
    date.toLocaleTimeString(undefined, { hour12: false }) +
    '.' +
    String(date.getMilliseconds()).padStart(3, '0')
  );
}

/**
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
function element(tag, className, text) {
  const el = document.createElement(tag);
  el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
