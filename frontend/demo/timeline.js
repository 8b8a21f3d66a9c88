// @ts-check
/**
 * timeline.js: draws the timeline model (timeline-model.js) on the page.
 * Newest burst on top: what just happened is what the room looks at. Each
 * lane shows its steps in words and as marks and bars on its burst's time
 * axis, so you can *see* five requests wait behind one refresh.
 *
 * Drawing follows the model: after each change, new steps and phases are
 * added to the lanes already on screen (nothing is redrawn from scratch),
 * and while a burst runs, its open phases grow once per animation frame.
 * The positions are CSS custom properties (--from, --to, --at, --span, in
 * ms) that demo.css turns into percentages.
 */

import { pendingLanes, phaseEnd, spanOf } from './timeline-model.js';
import { burstTitle } from './timeline-text.js';

/**
 * @typedef {import('./timeline-model.js').Burst} Burst
 * @typedef {import('./timeline-model.js').Lane} Lane
 * @typedef {import('./timeline-model.js').TimelineModel} TimelineModel
 * @typedef {{ el: HTMLElement, track: HTMLElement, steps: HTMLElement, phases: HTMLElement[] }}
 *   LaneView
 * @typedef {{ el: HTMLElement, title: HTMLElement, list: HTMLElement, lanes: Map<Lane, LaneView> }}
 *   BurstView
 */

/**
 * @param {HTMLElement} root an empty <ol> that will hold the bursts
 * @param {TimelineModel} model
 */
export function createTimeline(root, model) {
  /** @type {Map<Burst, BurstView>} */
  const views = new Map();
  let frame = 0;

  function draw() {
    frame = 0;
    const bursts = model.bursts();
    for (const [burst, view] of views) {
      if (bursts.includes(burst)) continue;
      view.el.remove(); // dropped by the model (Reset, or too many bursts)
      views.delete(burst);
    }
    const time = model.now();
    for (const burst of bursts) drawBurst(burst, time);
    const pending = pendingLanes(bursts);
    root.dataset.pending = String(pending);
    root.dataset.empty = String(bursts.length === 0);
    if (pending > 0) frame = requestAnimationFrame(draw);
  }

  /** @param {Burst} burst @param {number} time */
  function drawBurst(burst, time) {
    let view = views.get(burst);
    if (!view) {
      const title = element('h3', 'burst__title');
      const list = element('ol', 'burst__lanes');
      view = { el: element('li', 'burst'), title, list, lanes: new Map() };
      view.el.append(title, list);
      root.prepend(view.el);
      views.set(burst, view);
    }
    view.el.style.setProperty('--span', String(spanOf(burst, time)));
    view.el.dataset.pending = String(burst.pending);
    view.title.textContent = burstTitle(burst, time);
    for (const lane of burst.lanes) {
      let laneView = view.lanes.get(lane);
      if (!laneView) {
        laneView = newLane(lane);
        view.list.append(laneView.el);
        view.lanes.set(lane, laneView);
      }
      drawLane(lane, laneView, burst, time);
    }
  }

  // Every change is drawn at once: tests and the tour follow the page as it happens.
  const redraw = () => {
    cancelAnimationFrame(frame);
    draw();
  };
  model.onChange(redraw);
  redraw();
}

/** @param {Lane} lane @returns {LaneView} */
function newLane(lane) {
  const el = element('li', `lane lane--${lane.kind}`);
  const track = element('div', 'lane__track');
  track.setAttribute('aria-hidden', 'true'); // the steps below say the same in words
  const steps = element('ol', 'lane__steps');
  el.append(element('span', 'lane__label', lane.label), track, steps);
  return { el, track, steps, phases: [] };
}

/** @param {Lane} lane @param {LaneView} view @param {Burst} burst @param {number} time */
function drawLane(lane, view, burst, time) {
  view.el.dataset.state = lane.state;
  if (lane.kind === 'note') view.el.dataset.tone = lane.tone;
  // Steps only ever get added, except that a held request's first step is
  // renamed from "sent" to "called": keep each name in step with the model.
  lane.steps.forEach((step, i) => {
    const shown = view.steps.children[i];
    if (shown) {
      const name = /** @type {HTMLElement} */ (shown.firstElementChild);
      if (name.textContent !== step.text) name.textContent = step.text;
      return;
    }
    const item = element('li', `step step--${step.kind}`);
    const at = element('span', 'step__time', `+${Math.round(step.at)} ms`);
    item.append(element('span', 'step__name', step.text), ' ', at);
    view.steps.append(item);
    const mark = element('span', `mark mark--${step.kind}`);
    mark.style.setProperty('--at', String(step.at));
    mark.title = step.text;
    view.track.append(mark);
  });
  lane.phases.forEach((phase, i) => {
    let bar = view.phases[i];
    if (!bar) {
      bar = element('span', `phase phase--${phase.kind}`);
      bar.style.setProperty('--from', String(phase.from));
      view.track.prepend(bar); // under the marks
      view.phases.push(bar);
    }
    bar.classList.toggle('phase--open', phase.to === null);
    bar.style.setProperty('--to', String(phaseEnd(phase, burst, time)));
  });
}

/** @param {string} tag @param {string} className @param {string} [text] */
function element(tag, className, text) {
  const el = document.createElement(tag);
  el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
