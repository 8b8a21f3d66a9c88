// @ts-check
/**
 * demo.js: the demo page's entry point. It wires the page together:
 *
 * - state.js: everything the page remembers, and its one reset;
 * - actions.js: what the buttons do with the client (api.js, or naive.js);
 * - faults.js: the "break it" buttons;
 * - sessions.js: "Your sessions"; password-prompt.js: the prompt for a 403 reauth_required;
 * - client-notes.js: the page left alone (session-idle) and the cross-tab lock, on the timeline;
 * - view.js: draws the state; timeline.js draws the timeline model;
 * - tour.js: the workshop tour, which runs the same actions;
 * - strings.js: every word, in English and in Chinese.
 */

import { createActions } from './actions.js';
import { createClientNotes } from './client-notes.js';
import { resolveApiBase } from './demo-helpers.js';
import { busy, ui } from './elements.js';
import { createFaults } from './faults.js';
import { askPassword } from './password-prompt.js';
import { createSessionsPanel } from './sessions.js';
import { state } from './state.js';
import {
  chooseLanguage,
  LANG_KEY,
  language,
  setLanguage,
  t,
  tables,
  translatePage,
} from './strings.js';
import { createTimeline } from './timeline.js';
import { createTour } from './tour.js';
import * as view from './view.js';

/** The API's default port; `?api=URL` overrides the whole origin. */
const API_PORT = 5001;
const LARGE_TYPE_KEY = 'silent-refresh-demo:large-type';
/** In the URL of the tab that tour step 7 opens: that tab carries the tour too. */
const SECOND_TAB = 'second-tab';

const apiBase = resolveApiBase(location, API_PORT);
const note = state.timeline.note;
const faults = createFaults({ apiBase, note });
const sessions = createSessionsPanel({ note });
const clientNotes = createClientNotes({ note });
const actions = createActions({
  apiBase,
  fetch: faults.fetch,
  clientOptions: { onReauthRequired: askPassword, ...pageTimings(location.search) },
  onEvent(event) {
    clientNotes(event);
    if (event.type === 'session') sessions.follow(event.session);
  },
});

/**
 * `?idle=S&refresh_ttl=S` (seconds; `make demo` passes them): stop proactive
 * refresh after S seconds without input, and know the server's
 * REFRESH_TOKEN_TTL, so an abandoned tab can be watched lapsing in a minute.
 * @param {string} search
 */
function pageTimings(search) {
  const params = new URLSearchParams(search);
  const ms = (/** @type {string} */ name) => {
    const seconds = Number(params.get(name));
    return params.has(name) && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  };
  const idleAfterMs = ms('idle');
  const refreshTokenTtlMs = ms('refresh_ttl');
  return { ...(idleAfterMs && { idleAfterMs }), ...(refreshTokenTtlMs && { refreshTokenTtlMs }) };
}

/** The tab step 7 opened, or the one that opened this tab's tour. */
let secondTab = /** @type {Window | null} */ (null);

/** What the tour's "Do it" buttons may do: the page's own actions. */
/** @type {import('./tour.js').TourActions} */
const tourActions = {
  async ensureLoggedIn() {
    if (state.session !== 'in' || !state.client.getSession()) await actions.logIn();
  },
  call: actions.call,
  corrupt: faults.corrupt,
  async burst(n) {
    ui.burstSize.value = String(n);
    await actions.fireBurst();
  },
  useMode: async (next) => actions.switchMode(next),
  revoke: faults.revoke,
  section: (text) => state.timeline.section(text),
  setProactive(on) {
    if (state.mode === 'naive' || ui.proactive.checked === on) return;
    ui.proactive.checked = on;
    ui.proactive.dispatchEvent(new Event('change'));
  },
  async waitForProactiveRefresh() {
    note(t('note.waitingProactive'));
    await actions.proactiveRefreshDone();
  },
  secondTabOpen: () =>
    new URLSearchParams(location.search).has(SECOND_TAB) ||
    (secondTab !== null && !secondTab.closed),
  openSecondTab() {
    const url = new URL(location.href);
    url.searchParams.set('tour', '7');
    url.searchParams.set(SECOND_TAB, '1');
    secondTab = window.open(url.href, '_blank');
    view.say(secondTab ? t('tour.secondTabOpened') : t('tour.popupBlocked'));
  },
  breakNextRefresh: faults.breakNextRefresh,
};

/**
 * Pick the page's language and fill in its words: the [data-i18n] elements
 * of index.html, then the controls built here. All words are in strings.js.
 */
function fillStrings() {
  let saved = null;
  try {
    saved = localStorage.getItem(LANG_KEY);
  } catch {
    /* private mode: fine */
  }
  const lang = chooseLanguage(location.search, saved, navigator.languages ?? [navigator.language]);
  setLanguage(lang);
  document.documentElement.lang = lang;
  document.title = t('page.title');
  translatePage(document);
  for (const button of ui.langButtons) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
    button.addEventListener('click', () => switchLanguage(String(button.dataset.lang)));
  }
  ui.lockLabel.textContent = t('lock.label');
  ui.breakLegend.textContent = t('breakIt.legend');
  ui.breakKindLabel.textContent = t('breakIt.kindLabel');
  const kinds = ['503', 'drop'].map((value) => new Option(t(`breakIt.kind.${value}`), value));
  ui.breakKind.replaceChildren(...kinds);
  ui.breakRefresh.textContent = t('breakIt.button');
  ui.reset.textContent = t('reset.button');
  ui.exportSvg.textContent = t('export.svg');
  ui.exportPng.textContent = t('export.png');
}

/**
 * Remember the choice and load the page again in that language: simpler
 * and surer than re-rendering every lane and message already on screen.
 * The session survives (restore() from the refresh cookie); a `?lang=` in
 * the address is dropped so it does not override the choice.
 * @param {string} lang
 */
function switchLanguage(lang) {
  if (lang === language() || !(lang in tables)) return;
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    url.searchParams.set('lang', lang); // private mode: carry it in the address instead
  }
  location.assign(url.href);
}

function setLargeType(/** @type {boolean} */ on) {
  document.documentElement.classList.toggle('large-type', on);
  ui.largeType.setAttribute('aria-pressed', String(on));
  try {
    localStorage.setItem(LARGE_TYPE_KEY, on ? '1' : '');
  } catch {
    /* private mode: fine */
  }
}

function wire() {
  ui.loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.logIn({ focusNext: true });
  });
  ui.logout.addEventListener('click', actions.logOut);
  ui.callAaa.addEventListener('click', () => actions.call('/aaa'));
  ui.callBbb.addEventListener('click', () => actions.call('/bbb'));
  ui.fireBurst.addEventListener('click', actions.fireBurst);
  ui.burstSize.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') actions.fireBurst();
  });
  ui.corrupt.addEventListener('click', faults.corrupt);
  ui.revoke.addEventListener('click', faults.revoke);
  ui.breakRefresh.addEventListener('click', () =>
    faults.breakNextRefresh(/** @type {'503' | 'drop'} */ (ui.breakKind.value)),
  );
  ui.reset.addEventListener('click', actions.reset);
  ui.sessionsReload.addEventListener('click', () => busy(ui.sessionsReload, sessions.load));
  ui.endOthers.addEventListener('click', sessions.endOthers);
  ui.exportSvg.addEventListener('click', () => actions.exportTimeline('svg'));
  ui.exportPng.addEventListener('click', () => actions.exportTimeline('png'));
  ui.largeType.addEventListener('click', () =>
    setLargeType(ui.largeType.getAttribute('aria-pressed') !== 'true'),
  );
  ui.proactive.addEventListener('change', () => {
    const on = ui.proactive.checked;
    state.client.setProactiveRefresh(on);
    note(t(on ? 'note.proactiveOn' : 'note.proactiveOff'));
    view.say(t(on ? 'say.proactiveOn' : 'say.proactiveOff'));
    view.renderMode(); // the help text follows the box
  });
  for (const radio of ui.modeRadios) {
    radio.addEventListener('change', () => {
      if (radio.checked) actions.switchMode(/** @type {import('./state.js').Mode} */ (radio.value));
    });
  }
  // The empty-state hint follows the timeline.
  state.timeline.onChange(() => {
    ui.timelineEmpty.hidden = state.timeline.bursts().length > 0;
  });
}

function start() {
  ui.apiUrl.textContent = apiBase;
  let large = new URLSearchParams(location.search).get('large') === '1';
  try {
    large ||= localStorage.getItem(LARGE_TYPE_KEY) === '1';
  } catch {
    /* private mode: fine */
  }
  setLargeType(large);
  fillStrings();
  wire();
  createTimeline(ui.timeline, state.timeline);
  state.client = actions.makeClient(state.mode);
  view.renderMode();
  view.renderCounters();
  view.renderBreakIt();
  view.renderLock();
  setInterval(() => {
    view.renderCountdown();
    view.renderLock();
  }, 200);
  createTour({ panel: ui.tour, openButton: ui.tourOpen, actions: tourActions });
  ui.bootNote.remove();
  actions.restore();
}

start();
