// @ts-check
/**
 * tour.js: the workshop tour. Nine numbered steps; each says what to watch,
 * has a "Do it" button that runs the step through the page's own actions,
 * and highlights the part of the page (mostly of the timeline) that matters.
 * Next/Back, and the keyboard: → next, ← back, space runs the step.
 */

import { t } from './strings.js';

/**
 * What the tour may ask the page to do (demo.js provides them).
 * @typedef {{
 *   ensureLoggedIn(): Promise<void>, call(path: string): Promise<void>, corrupt(): void,
 *   burst(n: number): Promise<void>, useMode(mode: 'queued' | 'naive'): Promise<void>,
 *   revoke(): Promise<void>, setProactive(on: boolean): void,
 *   waitForProactiveRefresh(): Promise<void>, section(text: string): void,
 *   secondTabOpen(): boolean, openSecondTab(): void,
 *   breakNextRefresh(kind: '503' | 'drop'): void,
 * }} TourActions
 * @typedef {{ id: string, run(a: TourActions): Promise<void>, highlight: string[] }} Step
 */

/** The newest burst is on top of the timeline. */
const NEWEST = '#timeline > .burst:first-child';

/** @type {Step[]} */
export const STEPS = [
  {
    id: 'login',
    highlight: ['.session', '#countdown'],
    async run(a) {
      await a.useMode('queued');
      await a.ensureLoggedIn();
    },
  },
  {
    id: 'call',
    highlight: [`${NEWEST} .lane--request`, `${NEWEST} .step--ok`],
    async run(a) {
      await a.ensureLoggedIn();
      await a.call('/aaa');
    },
  },
  {
    id: 'corrupt',
    highlight: [`${NEWEST} .step--401`, `${NEWEST} .lane--refresh`, `${NEWEST} .step--replay`],
    async run(a) {
      await a.ensureLoggedIn();
      a.corrupt();
      await a.call('/aaa');
    },
  },
  {
    id: 'burst',
    highlight: [`${NEWEST} .lane--refresh`, `${NEWEST} .phase--wait`, '[data-counter="refreshes"]'],
    async run(a) {
      await a.useMode('queued');
      await a.ensureLoggedIn();
      a.corrupt();
      await a.burst(5);
    },
  },
  {
    id: 'naive',
    highlight: [`${NEWEST} .lane--refresh`, '[data-counter="refreshes"]', '#session-ended'],
    async run(a) {
      await a.useMode('naive');
      await a.ensureLoggedIn();
      a.corrupt();
      await a.burst(5);
    },
  },
  {
    id: 'revoke',
    highlight: [
      `${NEWEST} .lane--refresh`,
      `${NEWEST} .lane--request[data-state="failed"]`,
      '#session-ended',
    ],
    async run(a) {
      await a.useMode('queued');
      await a.ensureLoggedIn();
      await a.revoke();
      await a.call('/aaa'); // still works: access tokens are stateless
      a.corrupt(); // stands in for "wait until it expires"
      await a.call('/aaa');
    },
  },
  {
    id: 'tabs',
    highlight: ['#lock-state', '[data-counter="shared"]', `${NEWEST} .lane--refresh`],
    async run(a) {
      await a.useMode('queued');
      await a.ensureLoggedIn();
      if (!a.secondTabOpen()) {
        a.openSecondTab();
        return;
      }
      a.corrupt();
      await a.burst(3);
    },
  },
  {
    id: 'proactive',
    highlight: ['#countdown', `${NEWEST} .lane--refresh`],
    async run(a) {
      await a.useMode('queued');
      await a.ensureLoggedIn();
      a.setProactive(true);
      // Show what we wait for (a note on the timeline, "Running…" on the
      // button) until the proactive refresh lane has come and gone.
      await a.waitForProactiveRefresh();
    },
  },
  {
    id: 'failure',
    highlight: [`${NEWEST} .lane--refresh`, `${NEWEST} .lane--request`],
    async run(a) {
      await a.useMode('queued');
      await a.ensureLoggedIn();
      a.breakNextRefresh('503');
      a.corrupt();
      await a.call('/aaa');
    },
  },
];

/**
 * @param {{ panel: HTMLElement, openButton: HTMLButtonElement, actions: TourActions }} parts
 */
export function createTour({ panel, openButton, actions }) {
  let index = 0;
  let running = false;

  const counter = el('span', 'tour__counter');
  const title = el('h2', 'tour__title');
  title.id = 'tour-title';
  const text = el('p', 'tour__text');
  text.id = 'tour-text';
  const back = button(t('tour.back'), 'tour-back');
  const doIt = button(t('tour.doIt'), 'tour-do', 'primary');
  const next = button(t('tour.next'), 'tour-next');
  const close = button('×', 'tour-close', 'tour__close');
  close.setAttribute('aria-label', t('tour.close'));
  const keys = el('span', 'tour__keys', t('tour.keys'));
  const nav = el('div', 'tour__nav');
  nav.append(back, doIt, next);
  panel.setAttribute('aria-label', t('tour.heading'));
  const footer = el('p', 'tour__footer muted');
  footer.append(counter, ' · ', keys);
  // The × sits beside the title, in the flow: it can never cover a word.
  const head = el('div', 'tour__head');
  head.append(title, close);
  panel.replaceChildren(head, text, nav, footer);
  openButton.textContent = t('tour.open');

  back.addEventListener('click', () => go(index - 1));
  next.addEventListener('click', () => go(index + 1));
  doIt.addEventListener('click', () => run());
  close.addEventListener('click', () => show(false));
  openButton.addEventListener('click', () => show(panel.hidden));
  document.addEventListener('keydown', onKey);

  // The highlighted lanes appear while the step runs: follow the timeline.
  const timeline = document.getElementById('timeline');
  if (timeline)
    new MutationObserver(highlight).observe(timeline, { childList: true, subtree: true });

  /** @param {KeyboardEvent} event */
  function onKey(event) {
    if (panel.hidden || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = /** @type {HTMLElement} */ (event.target);
    // Typing, and the buttons' own space/enter, keep their usual meaning.
    if (target.closest('input, textarea, select, button, [contenteditable]')) return;
    if (event.key === 'ArrowRight') go(index + 1);
    else if (event.key === 'ArrowLeft') go(index - 1);
    else if (event.key === ' ') run();
    else return;
    event.preventDefault();
  }

  function show(/** @type {boolean} */ on) {
    panel.hidden = !on;
    document.documentElement.classList.toggle('touring', on);
    openButton.setAttribute('aria-pressed', String(on));
    render();
    if (on) doIt.focus();
  }

  function go(/** @type {number} */ to) {
    index = Math.max(0, Math.min(STEPS.length - 1, to));
    render();
  }

  async function run() {
    if (running) return;
    running = true;
    render();
    try {
      actions.section(`${index + 1}. ${t(`steps.${STEPS[index].id}.title`)}`);
      await STEPS[index].run(actions);
    } finally {
      running = false;
      render();
    }
  }

  function render() {
    const step = STEPS[index];
    const words = { title: t(`steps.${step.id}.title`), text: t(`steps.${step.id}.text`) };
    panel.dataset.step = String(index + 1);
    panel.dataset.stepId = step.id;
    counter.textContent = t('tour.stepOf', { n: index + 1, total: STEPS.length });
    title.textContent = `${index + 1}. ${words.title}`;
    text.textContent = words.text;
    back.disabled = index === 0;
    next.disabled = index === STEPS.length - 1;
    doIt.disabled = running;
    doIt.textContent = t(running ? 'tour.running' : 'tour.doIt');
    doIt.setAttribute('aria-busy', String(running));
    if (!running) doIt.removeAttribute('aria-busy');
    highlight();
  }

  /** Mark what the current step is about; nothing while the tour is closed. */
  function highlight() {
    for (const old of document.querySelectorAll('.tour-focus')) old.classList.remove('tour-focus');
    if (panel.hidden) return;
    for (const selector of STEPS[index].highlight) {
      for (const target of document.querySelectorAll(selector)) target.classList.add('tour-focus');
    }
  }

  const startOpen = new URLSearchParams(location.search).get('tour');
  if (startOpen) {
    index = Math.max(0, Math.min(STEPS.length - 1, (Number.parseInt(startOpen, 10) || 1) - 1));
    show(true);
  } else {
    render();
  }
  return { show, go, run };
}

/** @param {string} tag @param {string} className @param {string} [text] */
function el(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} label @param {string} id @param {string} [className] */
function button(label, id, className = '') {
  const node = /** @type {HTMLButtonElement} */ (el('button', className, label));
  node.type = 'button';
  node.id = id;
  return node;
}
