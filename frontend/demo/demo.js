// @ts-check
/**
 * demo.js: the demo page. It only *uses* the client (api.js, or naive.js for
 * comparison), the way an app would, plus three demo hooks: corrupt the
 * token, revoke the refresh token behind the client's back, swap clients.
 *
 * Everything on the timeline and the counters comes from the client's
 * events (client.on('*')): the page draws what the client did, it never
 * guesses.
 */

import { createApiClient, ApiError } from '../js/api.js';
import { createNaiveApiClient } from '../js/naive.js';
import { createTimeline } from './timeline.js';
import {
  explainSessionEnd,
  corruptToken,
  readCookie,
  resolveApiBase,
  jwtExpiry,
} from './demo-helpers.js';
import {
  t,
  has,
  tables,
  chooseLanguage,
  setLanguage,
  language,
  translatePage,
  LANG_KEY,
} from './strings.js';
import { createTour } from './tour.js';
import { timelineToSvg, svgToPng, download } from './export.js';

/** The API's default port; `?api=URL` overrides the whole origin. */
const API_PORT = 5001;
const MAX_BURST = 20;
const LARGE_TYPE_KEY = 'silent-refresh-demo:large-type';
/** The client's default Web Lock name; its fallback lease lives under this localStorage key. */
const LEASE_KEY = 'silent-refresh:lock:silent-refresh:refresh';

/** @typedef {ReturnType<typeof createApiClient>} Client */
/** @typedef {'queued' | 'naive'} Mode */

// #region elements
/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: #${id} is missing`);
  return el;
}
const ui = {
  loginForm: /** @type {HTMLFormElement} */ (byId('login-form')),
  username: /** @type {HTMLInputElement} */ (byId('username')),
  password: /** @type {HTMLInputElement} */ (byId('password')),
  loginButton: /** @type {HTMLButtonElement} */ (byId('login-button')),
  loginError: byId('login-error'),
  checking: byId('session-checking'),
  sessionInfo: byId('session-info'),
  sessionUser: byId('session-user'),
  sessionMode: byId('session-mode'),
  countdown: byId('countdown'),
  countdownText: byId('countdown-text'),
  logout: /** @type {HTMLButtonElement} */ (byId('logout')),
  sessionEnded: byId('session-ended'),
  callAaa: /** @type {HTMLButtonElement} */ (byId('call-aaa')),
  callBbb: /** @type {HTMLButtonElement} */ (byId('call-bbb')),
  burstSize: /** @type {HTMLInputElement} */ (byId('burst-size')),
  fireBurst: /** @type {HTMLButtonElement} */ (byId('fire-burst')),
  corrupt: /** @type {HTMLButtonElement} */ (byId('corrupt-token')),
  revoke: /** @type {HTMLButtonElement} */ (byId('revoke-refresh')),
  proactive: /** @type {HTMLInputElement} */ (byId('proactive')),
  proactiveHelp: byId('proactive-help'),
  reset: /** @type {HTMLButtonElement} */ (byId('reset')),
  largeType: /** @type {HTMLButtonElement} */ (byId('large-type')),
  timeline: byId('timeline'),
  timelineEmpty: byId('timeline-empty'),
  status: byId('status'),
  result: byId('result'),
  apiUrl: byId('api-url'),
  tour: byId('tour'),
  tourOpen: /** @type {HTMLButtonElement} */ (byId('tour-open')),
  lockLabel: byId('lock-label'),
  lockState: byId('lock-state'),
  breakLegend: byId('break-legend'),
  breakKindLabel: byId('break-kind-label'),
  breakKind: /** @type {HTMLSelectElement} */ (byId('break-kind')),
  breakRefresh: /** @type {HTMLButtonElement} */ (byId('break-refresh')),
  breakState: byId('break-state'),
  exportSvg: /** @type {HTMLButtonElement} */ (byId('export-svg')),
  exportPng: /** @type {HTMLButtonElement} */ (byId('export-png')),
};
const modeRadios = /** @type {NodeListOf<HTMLInputElement>} */ (
  document.querySelectorAll('input[name="mode"]')
);
const langButtons = /** @type {NodeListOf<HTMLButtonElement>} */ (
  document.querySelectorAll('[data-lang]')
);
const counterCells = /** @type {NodeListOf<HTMLElement>} */ (
  document.querySelectorAll('[data-counter]')
);
// #endregion

// #region state
const apiBase = resolveApiBase(location, API_PORT);
const timeline = createTimeline(ui.timeline);
/** @type {Mode} */
let mode = 'queued';
/** Each client gets a tag: request ids restart at 1 in a new client. */
let generation = 0;
/** @type {Client} */
let client;
/** 'checking' while restore() runs, then 'in' or 'out'. */
let sessionState = /** @type {'checking' | 'in' | 'out'} */ ('checking');
/** The token we planted with "corrupt", to label the countdown. */
let corruptedToken = '';
/**
 * The code of the failure we explained, or '' while the session is alive.
 * The naive client reports every failed refresh, in whatever order the
 * answers arrive: explain once, but let token_reused (the root cause) win
 * over the token_revoked answers it causes.
 */
let explainedCode = '';
/** Lifetime of the token on the countdown, measured when it arrived. */
let countdownFor = { expiresAt: 0, lifetimeMs: 1 };
/**
 * A token handed from one client to the next on a switch: setAccessToken()
 * carries the token, not its expiry or user, so the page remembers those.
 * @type {{ token: string, expiresAt: number, user: any } | null}
 */
let handover = null;
/** 'break it': how the next refresh fails on purpose, or null. */
let breakNext = /** @type {'503' | 'drop' | null} */ (null);
/** The tab the tour's step 7 opened. */
let secondTab = /** @type {Window | null} */ (null);
// #endregion

// #region counters
/** Counter name → the event that bumps it. Counting events, not guessing. */
const counters = {
  requests: 0,
  unauthorized: 0,
  refreshes: 0,
  replays: 0,
  successes: 0,
  failures: 0,
  shared: 0,
};

/** @param {import('../js/api.js').ApiEvent} event */
function count(event) {
  switch (event.type) {
    case 'request':
      counters.requests += 1;
      break;
    case 'unauthorized':
      counters.unauthorized += 1;
      break;
    case 'replay':
      counters.replays += 1;
      break;
    case 'done':
      counters.successes += 1;
      break;
    case 'error':
      counters.failures += 1;
      break;
    // A refresh counts when we know it went to the server: a tab that
    // waited for another tab's refresh ends with source 'other-tab'.
    case 'refresh-end':
      if (event.source === 'server') counters.refreshes += 1;
      break;
    case 'session':
      if (event.reason === 'other-tab') counters.shared += 1;
      break;
    default:
      return;
  }
  renderCounters();
}

function renderCounters() {
  for (const cell of counterCells) {
    const name = /** @type {keyof typeof counters} */ (cell.dataset.counter);
    cell.textContent = String(counters[name] ?? 0);
  }
}
// #endregion

// #region client
/** Create the client for `kind` and route its events to the page. */
function makeClient(/** @type {Mode} */ kind) {
  generation += 1;
  const tag = `c${generation}`;
  const create = kind === 'naive' ? createNaiveApiClient : createApiClient;
  /** @type {Client} */
  const created = create({
    baseURL: apiBase,
    fetch: pageFetch,
    proactiveRefresh: ui.proactive.checked,
    onSessionExpired: (error) => {
      if (created === client) explainEnd(error);
    },
  });
  // An old client's requests still in flight keep drawing their lanes, so
  // no lane is left "pending" after a switch; only the current client's
  // session events change the page.
  created.on('*', (event) => {
    timeline.handle(event, tag);
    count(event);
    if (event.type === 'session' && created === client) onSessionEvent(event);
  });
  return created;
}

/**
 * The clients' fetch: the real one, unless "break the next refresh" is
 * armed. Then the next POST /auth/refresh never reaches the server: it gets
 * a 503 or a dropped connection made here, in the page (no backend change).
 * @type {typeof fetch}
 */
function pageFetch(input, init) {
  const url =
    typeof input === 'string' ? input : input instanceof Request ? input.url : String(input);
  const kind = breakNext;
  if (kind && new URL(url, location.href).pathname.endsWith('/auth/refresh')) {
    breakNext = null;
    const label = t(`breakIt.kind.${kind}`);
    renderBreakIt();
    timeline.note(t('breakIt.used', { kind: label }), 'warn');
    if (kind === 'drop') return Promise.reject(new TypeError(t('breakIt.dropMessage')));
    const body = JSON.stringify({ error: 'service_unavailable', message: t('breakIt.body503') });
    return Promise.resolve(
      new Response(body, {
        status: 503,
        statusText: 'Service Unavailable',
        headers: { 'Content-Type': 'application/json', 'Retry-After': '1' },
      }),
    );
  }
  return fetch(input, init);
}

function renderBreakIt() {
  ui.breakState.dataset.armed = String(breakNext !== null);
  ui.breakState.textContent = breakNext
    ? t('breakIt.armed', { kind: t(`breakIt.kind.${breakNext}`) })
    : t('breakIt.off');
}

/** Which cross-tab lock this browser gives the client, and who holds the fallback lease. */
function renderLock() {
  if (navigator.locks) {
    ui.lockState.dataset.lock = 'web-locks';
    ui.lockState.textContent = t('lock.webLocks');
    return;
  }
  ui.lockState.dataset.lock = 'fallback';
  let holder = '';
  try {
    const lease = JSON.parse(localStorage.getItem(LEASE_KEY) ?? 'null');
    const left = lease ? Math.ceil((lease.expires - Date.now()) / 1000) : 0;
    holder =
      left > 0 ? t('lock.heldBy', { owner: String(lease.owner), seconds: left }) : t('lock.free');
  } catch {
    holder = t('lock.free');
  }
  ui.lockState.textContent = `${t('lock.fallback')}: ${holder}`;
}

/** Expiry of the session's token, also for a token handed over on a switch. @param {any} session */
function knownExpiry(session) {
  if (!session) return 0;
  if (session.accessTokenExpiresAt) return session.accessTokenExpiresAt;
  if (handover?.token === session.accessToken) return handover.expiresAt;
  return jwtExpiry(session.accessToken);
}

/** @param {import('../js/api.js').ApiEvent} event */
function onSessionEvent(event) {
  if (event.session) {
    if (event.reason === 'other-tab') timeline.note(t('note.otherTab'));
    if (sessionState !== 'in' && ['login', 'restore', 'other-tab'].includes(event.reason)) {
      // A new session (here, or logged in from another tab): the old "why it ended" is history.
      explainedCode = '';
      ui.sessionEnded.hidden = true;
    }
    sessionState = 'in';
  } else {
    if (event.reason === 'logout') timeline.note(t('note.loggedOut'));
    sessionState = 'out';
  }
  renderSession();
}

/** The session ended because a refresh failed: say why, in words. */
function explainEnd(/** @type {ApiError} */ error) {
  const cause = error.cause instanceof ApiError ? error.cause : error;
  const upgrade =
    explainedCode !== '' && explainedCode !== 'token_reused' && cause.code === 'token_reused';
  if (explainedCode !== '' && !upgrade) return;
  // The refresh lanes show each code; the note only marks the moment.
  if (!upgrade) timeline.note(t('note.sessionEnded'), 'failed');
  explainedCode = cause.code;
  const { title, text } = explainSessionEnd(cause.code);
  ui.sessionEnded.replaceChildren(strong(title), ' ', text, ' ', code(cause.code));
  ui.sessionEnded.hidden = false;
  say(t('say.sessionEnded', { title }));
}

async function restoreSession() {
  sessionState = 'checking';
  renderSession();
  try {
    const session = await client.restore();
    say(session ? t('say.restored', { user: session.user?.username }) : t('say.notLoggedIn'));
  } catch (error) {
    say(t('say.unreachable', { api: apiBase }));
    showResult('restore', error);
  } finally {
    sessionState = client.getSession() ? 'in' : 'out';
    renderSession();
  }
}
// #endregion

// #region rendering
function renderSession() {
  const session = client.getSession();
  const loggedIn = sessionState === 'in' && session !== null;
  ui.loginForm.hidden = sessionState !== 'out';
  ui.checking.hidden = sessionState !== 'checking';
  ui.sessionInfo.hidden = !loggedIn;
  ui.sessionUser.textContent = session?.user?.username ?? handover?.user?.username ?? '?';
  ui.sessionMode.textContent = mode;
  const hadFocus = document.activeElement;
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll('[data-needs-session]')
  )) {
    button.disabled = !loggedIn;
  }
  // The session just ended under the user's finger: don't strand the focus
  // on a button that is now disabled or hidden.
  if (
    !loggedIn &&
    sessionState === 'out' &&
    hadFocus instanceof HTMLButtonElement &&
    hadFocus.disabled
  ) {
    ui.username.focus();
  }
  renderCountdown();
}

/** Seconds left on the access token, drawn a few times a second. */
function renderCountdown() {
  const session = client.getSession();
  const expiresAt = knownExpiry(session);
  if (!session || !expiresAt) {
    ui.countdown.dataset.state = 'none';
    ui.countdownText.textContent = '–';
    return;
  }
  if (expiresAt !== countdownFor.expiresAt) {
    countdownFor = { expiresAt, lifetimeMs: Math.max(1, expiresAt - Date.now()) };
  }
  const left = expiresAt - Date.now();
  const corrupted = session.accessToken === corruptedToken;
  const fraction = Math.max(0, Math.min(1, left / countdownFor.lifetimeMs));
  ui.countdown.style.setProperty('--left', String(fraction));
  // 'expired' only once the clock has truly passed expiry: tests wait on it.
  ui.countdown.dataset.state = left <= 0 ? 'expired' : fraction < 0.25 ? 'low' : 'ok';
  ui.countdown.dataset.corrupted = String(corrupted);
  const base =
    left <= 0
      ? t('countdown.expired')
      : t('countdown.left', { time: formatSeconds(Math.ceil(left / 1000)) });
  ui.countdownText.textContent = corrupted ? t('countdown.corrupted', { base }) : base;
}

/** 42 → "42 s", 900 → "15:00 min": short tokens in seconds, long ones readable. */
function formatSeconds(/** @type {number} */ seconds) {
  if (seconds < 60) return t('countdown.seconds', { n: seconds });
  const minutes = Math.floor(seconds / 60);
  return t('countdown.minutes', { m: minutes, s: String(seconds % 60).padStart(2, '0') });
}

function renderMode() {
  for (const radio of modeRadios) radio.checked = radio.value === mode;
  // The blog version has no proactive refresh: say so instead of pretending.
  ui.proactive.disabled = mode === 'naive';
  ui.proactiveHelp.textContent =
    mode === 'naive' ? t('controls.naiveNoProactive') : t('controls.proactiveHelp');
  ui.sessionMode.textContent = mode;
}

/** A short sentence for screen readers and the room. */
function say(/** @type {string} */ text) {
  ui.status.textContent = text;
}

/** @param {string} what @param {unknown} outcome a response body or an error */
function showResult(what, outcome) {
  if (outcome instanceof ApiError) {
    const details = { error: outcome.code, status: outcome.status, message: outcome.message };
    const cause = outcome.cause instanceof ApiError ? { cause: outcome.cause.code } : {};
    ui.result.textContent = `${t('result.failed', { what })}\n${JSON.stringify({ ...details, ...cause }, null, 2)}`;
  } else if (outcome instanceof Error) {
    ui.result.textContent = `${t('result.failed', { what })}\n${outcome.message}`;
  } else {
    ui.result.textContent = `${what} → 200\n${JSON.stringify(outcome, null, 2)}`;
  }
}

/** @param {string} text */
function strong(text) {
  const el = document.createElement('strong');
  el.textContent = text;
  return el;
}

/** @param {string} text */
function code(text) {
  const el = document.createElement('code');
  el.textContent = `(${text})`;
  return el;
}
// #endregion

// #region actions
/** Mark a button busy while its work runs; never leave a spinner behind. */
const busyCount = new WeakMap();
/**
 * @template T
 * @param {HTMLElement} button
 * @param {() => Promise<T>} work
 */
async function busy(button, work) {
  busyCount.set(button, (busyCount.get(button) ?? 0) + 1);
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    const left = (busyCount.get(button) ?? 1) - 1;
    busyCount.set(button, left);
    if (left === 0) button.removeAttribute('aria-busy');
  }
}

async function logIn(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  await logInNow({ focusNext: true });
}

/** @param {{ focusNext?: boolean }} [how] focusNext: move on to "Call /aaa" (the form, not the tour) */
async function logInNow({ focusNext = false } = {}) {
  ui.loginError.textContent = '';
  await busy(ui.loginButton, async () => {
    try {
      const user = await client.login(ui.username.value, ui.password.value);
      timeline.note(t('note.loggedIn', { user: user?.username }));
      say(t('say.loggedIn', { user: user?.username }));
      if (focusNext) ui.callAaa.focus();
    } catch (error) {
      ui.loginError.textContent = error instanceof ApiError ? errorMessage(error) : String(error);
      say(t('say.loginFailed'));
    }
  });
}

async function logOut() {
  await busy(ui.logout, async () => {
    try {
      await client.logout();
      say(t('say.loggedOut'));
    } catch (error) {
      say(t('say.logoutOffline'));
    }
  });
}

/** @param {HTMLButtonElement} button @param {string} path */
async function callOne(button, path) {
  await busy(button, async () => {
    try {
      const body = await client.get(path);
      showResult(`GET ${path}`, body);
      say(t('say.callOk', { path, data: body?.data }));
    } catch (error) {
      showResult(`GET ${path}`, error);
      say(
        t('say.callFailed', {
          path,
          error: error instanceof ApiError ? error.code : String(error),
        }),
      );
    }
  });
}

/** N calls at once, alternating /aaa and /bbb: the concurrency problem, on demand. */
async function fireBurst() {
  const n = Math.min(MAX_BURST, Math.max(1, Number.parseInt(ui.burstSize.value, 10) || 5));
  ui.burstSize.value = String(n);
  await busy(ui.fireBurst, async () => {
    const paths = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '/aaa' : '/bbb'));
    const results = await Promise.allSettled(paths.map((path) => client.get(path)));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.length - ok;
    const lines = results.map(
      (r, i) =>
        `GET ${paths[i]} → ${
          r.status === 'fulfilled'
            ? `200 ${JSON.stringify(r.value?.data)}`
            : t('timeline.failedWith', {
                error: r.reason instanceof ApiError ? r.reason.code : String(r.reason),
              })
        }`,
    );
    const summary = t('say.burst', { n, ok, failed });
    ui.result.textContent = `${summary}\n${lines.join('\n')}`;
    say(`${summary}${language() === 'zh-CN' ? '。' : '.'}`);
  });
}

/** Tamper with the token in memory, as blog posts do by hand in DevTools. */
function corrupt() {
  const session = client.getSession();
  if (!session) return;
  corruptedToken = corruptToken(session.accessToken);
  if (handover?.token === session.accessToken) handover = { ...handover, token: corruptedToken };
  client.setAccessToken(corruptedToken);
  timeline.note(t('note.corrupted'), 'warn');
  say(t('say.corrupted'));
  renderCountdown();
}

/**
 * Log out *on the server only*, behind the client's back: the family is
 * revoked and the cookies cleared, while this page still holds an access
 * token. It keeps working until it expires (access tokens are stateless),
 * then the refresh fails and the session ends.
 */
async function revokeOnServer() {
  await busy(ui.revoke, async () => {
    const csrf = readCookie(document, 'csrf_refresh_token');
    try {
      const response = await fetch(`${apiBase}/auth/logout`, {
        method: 'POST',
        credentials: 'include',
        headers: csrf ? { 'X-CSRF-TOKEN': csrf } : {},
      });
      if (response.status !== 204)
        throw new Error(t('say.serverAnswered', { status: response.status }));
      if (csrf) {
        timeline.note(t('note.revoked'), 'warn');
        say(t('say.revoked'));
      } else {
        say(t('say.nothingToRevoke'));
      }
    } catch (error) {
      say(t('say.revokeFailed', { error: error instanceof Error ? error.message : String(error) }));
    }
  });
}

/**
 * Swap clients, carrying on with the same session: the new client gets the
 * old one's access token (no restore, no refresh, the countdown goes on),
 * and its refreshes are numbered from #1.
 */
async function switchMode(/** @type {Mode} */ next) {
  if (next === mode) return;
  const old = client;
  const session = sessionState === 'in' ? old.getSession() : null;
  mode = next;
  client = makeClient(next);
  old.destroy();
  renderMode();
  if (session) {
    handover = {
      token: session.accessToken,
      expiresAt: knownExpiry(session),
      user: session.user ?? handover?.user,
    };
    client.setAccessToken(session.accessToken);
  }
  sessionState = session ? 'in' : 'out';
  timeline.note(t('note.switched', { mode: next }));
  say(t(session ? 'say.switchedKept' : 'say.switched', { mode: next }));
  renderSession();
}

/**
 * Reset that really resets: log out (the server revokes the session), a new
 * client (refreshes numbered from #1 again), empty timeline and counters,
 * nothing armed; then, if we were logged in, a fresh login.
 */
async function reset() {
  await busy(ui.reset, async () => {
    const wasIn = sessionState === 'in';
    const old = client;
    if (old.getSession()) await old.logout().catch(() => {});
    old.destroy();
    breakNext = null;
    handover = null;
    corruptedToken = '';
    explainedCode = '';
    client = makeClient(mode);
    timeline.clear();
    for (const name of Object.keys(counters))
      counters[/** @type {keyof typeof counters} */ (name)] = 0;
    renderCounters();
    renderBreakIt();
    ui.result.textContent = '';
    ui.sessionEnded.hidden = true;
    sessionState = 'out';
    renderSession();
    if (wasIn) await logInNow();
    say(t('reset.done'));
  });
}

async function exportTimeline(/** @type {'svg' | 'png'} */ kind) {
  if (ui.timeline.dataset.empty === 'true') {
    say(t('export.empty'));
    return;
  }
  const svg = timelineToSvg(ui.timeline);
  const blob = kind === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await svgToPng(svg);
  download(blob, `silent-refresh-timeline.${kind}`);
}

/** What the tour's "Do it" buttons may do: the page's own actions. */
/** @type {import('./tour.js').TourActions} */
const tourActions = {
  async ensureLoggedIn() {
    if (sessionState === 'in' && client.getSession()) return;
    await logInNow();
  },
  call: (path) => callOne(path === '/bbb' ? ui.callBbb : ui.callAaa, path),
  corrupt,
  async burst(n) {
    ui.burstSize.value = String(n);
    await fireBurst();
  },
  useMode: async (next) => {
    await switchMode(next);
  },
  revoke: revokeOnServer,
  section: (text) => timeline.section(text),
  setProactive(on) {
    if (mode === 'naive' || ui.proactive.checked === on) return;
    ui.proactive.checked = on;
    ui.proactive.dispatchEvent(new Event('change'));
  },
  secondTabOpen: () => secondTab !== null && !secondTab.closed,
  openSecondTab() {
    secondTab = window.open(location.href.replace(/([?&])tour=\d+&?/, '$1'), '_blank');
    say(secondTab ? t('tour.secondTabOpened') : t('tour.popupBlocked'));
  },
  breakNextRefresh(kind) {
    breakNext = kind;
    renderBreakIt();
  },
};

function setLargeType(/** @type {boolean} */ on) {
  document.documentElement.classList.toggle('large-type', on);
  ui.largeType.setAttribute('aria-pressed', String(on));
  try {
    localStorage.setItem(LARGE_TYPE_KEY, on ? '1' : '');
  } catch {
    /* private mode: fine */
  }
}
// #endregion

// #region wiring
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
  for (const button of langButtons) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
    button.addEventListener('click', () =>
      switchLanguage(/** @type {string} */ (button.dataset.lang)),
    );
  }
  ui.lockLabel.textContent = t('lock.label');
  ui.breakLegend.textContent = t('breakIt.legend');
  ui.breakKindLabel.textContent = t('breakIt.kindLabel');
  ui.breakKind.replaceChildren(
    ...['503', 'drop'].map((value) => new Option(t(`breakIt.kind.${value}`), value)),
  );
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

/** A failed login's words: ours for a code we know, else the server's message. @param {ApiError} error */
function errorMessage(error) {
  return has(`error.${error.code}`) ? t(`error.${error.code}`) : error.message;
}

function start() {
  ui.apiUrl.textContent = apiBase;
  let large = new URLSearchParams(location.search).get('large') === '1';
  try {
    large ||= localStorage.getItem(LARGE_TYPE_KEY) === '1';
  } catch {
    /* ignore */
  }
  setLargeType(large);

  ui.loginForm.addEventListener('submit', logIn);
  ui.logout.addEventListener('click', logOut);
  ui.callAaa.addEventListener('click', () => callOne(ui.callAaa, '/aaa'));
  ui.callBbb.addEventListener('click', () => callOne(ui.callBbb, '/bbb'));
  ui.fireBurst.addEventListener('click', fireBurst);
  ui.burstSize.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') fireBurst();
  });
  ui.corrupt.addEventListener('click', corrupt);
  ui.revoke.addEventListener('click', revokeOnServer);
  ui.reset.addEventListener('click', reset);
  ui.breakRefresh.addEventListener('click', () =>
    tourActions.breakNextRefresh(/** @type {'503' | 'drop'} */ (ui.breakKind.value)),
  );
  ui.exportSvg.addEventListener('click', () => exportTimeline('svg'));
  ui.exportPng.addEventListener('click', () => exportTimeline('png'));
  ui.largeType.addEventListener('click', () =>
    setLargeType(ui.largeType.getAttribute('aria-pressed') !== 'true'),
  );
  ui.proactive.addEventListener('change', () => {
    client.setProactiveRefresh(ui.proactive.checked);
    timeline.note(t(ui.proactive.checked ? 'note.proactiveOn' : 'note.proactiveOff'));
    say(t(ui.proactive.checked ? 'say.proactiveOn' : 'say.proactiveOff'));
  });
  for (const radio of modeRadios) {
    radio.addEventListener('change', () => {
      if (radio.checked) switchMode(/** @type {Mode} */ (radio.value));
    });
  }

  // The empty-state hint follows the timeline's own data-empty flag.
  new MutationObserver(() => {
    ui.timelineEmpty.hidden = ui.timeline.dataset.empty !== 'true';
  }).observe(ui.timeline, { attributes: true, attributeFilter: ['data-empty'] });
  ui.timelineEmpty.hidden = ui.timeline.dataset.empty !== 'true';

  fillStrings();
  client = makeClient(mode);
  renderMode();
  renderCounters();
  renderBreakIt();
  renderLock();
  setInterval(() => {
    renderCountdown();
    renderLock();
  }, 200);
  createTour({ panel: ui.tour, openButton: ui.tourOpen, actions: tourActions });
  byId('boot-note').remove();
  restoreSession();
}

start();
// #endregion
