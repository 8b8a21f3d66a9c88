// @ts-check
/**
 * view.js: draws the page's state (state.js) and the client's session:
 * who is logged in, the countdown, the interceptor, the counters, the lock,
 * and the words for the room (the status line, the last result, why a
 * session ended). It only reads; actions.js and faults.js change things.
 */

import { ApiError } from '../js/api.js';
import { explainSessionEnd, LEASE_KEY } from './demo-helpers.js';
import { ui } from './elements.js';
import { state } from './state.js';
import { has, language, t } from './strings.js';

/**
 * `expires_in` counts whole seconds, rounded down (docs/03), so the client's
 * `accessTokenExpiresAt` comes up to a second before the server's `exp`.
 * The countdown adds that second: it never says "expired" while the server
 * would still take the token, so a call fired at "expired" gets its 401.
 */
const ROUNDING_MARGIN_MS = 1000;

/** When the countdown reaches zero, in Date.now() time, or 0 without a session. */
export function tokenExpiry() {
  const expiresAt = state.client.getSession()?.accessTokenExpiresAt;
  return expiresAt ? expiresAt + ROUNDING_MARGIN_MS : 0;
}

/** The lifetime the countdown bar is drawn against, measured when a token arrives. */
let countdownFor = { expiresAt: 0, lifetimeMs: 1 };

export function renderSession() {
  const session = state.client.getSession();
  const loggedIn = state.session === 'in' && session !== null;
  ui.loginForm.hidden = state.session !== 'out';
  ui.checking.hidden = state.session !== 'checking';
  ui.sessionInfo.hidden = !loggedIn;
  ui.sessionUser.textContent = session?.user?.username ?? '?';
  const hadFocus = document.activeElement;
  for (const button of ui.needsSession) button.disabled = !loggedIn;
  // The session just ended under the user's finger: don't strand the focus
  // on a button that is now disabled or hidden.
  const stranded = hadFocus instanceof HTMLButtonElement && hadFocus.disabled;
  if (!loggedIn && state.session === 'out' && stranded) ui.username.focus();
  renderCountdown();
}

/** Seconds left on the access token, drawn a few times a second. */
export function renderCountdown() {
  const session = state.client.getSession();
  const expiresAt = tokenExpiry();
  if (!session || !expiresAt) {
    ui.countdown.dataset.state = 'none';
    ui.countdownText.textContent = '–';
    return;
  }
  if (expiresAt !== countdownFor.expiresAt) {
    countdownFor = { expiresAt, lifetimeMs: Math.max(1, expiresAt - Date.now()) };
  }
  const left = expiresAt - Date.now();
  const corrupted = session.accessToken === state.corruptedToken;
  const fraction = Math.max(0, Math.min(1, left / countdownFor.lifetimeMs));
  ui.countdown.style.setProperty('--left', String(fraction));
  // 'expired' only once the server refuses the token too: tests wait on it.
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

/** The interceptor in use, and the proactive switch with help that says what it does now. */
export function renderMode() {
  for (const radio of ui.modeRadios) radio.checked = radio.value === state.mode;
  ui.sessionMode.textContent = t(`mode.${state.mode}`);
  // The blog version has no proactive refresh: say so instead of pretending.
  ui.proactive.disabled = state.mode === 'naive';
  const help =
    state.mode === 'naive'
      ? 'controls.naiveNoProactive'
      : ui.proactive.checked
        ? 'controls.proactiveHelpOn'
        : 'controls.proactiveHelpOff';
  ui.proactiveHelp.textContent = t(help);
}

export function renderCounters() {
  for (const cell of ui.counterCells) {
    const name = /** @type {keyof typeof state.counters} */ (cell.dataset.counter);
    cell.textContent = String(state.counters[name] ?? 0);
  }
}

export function renderBreakIt() {
  const kind = state.breakNext;
  ui.breakState.dataset.armed = String(kind !== null);
  ui.breakState.textContent = kind
    ? t('breakIt.armed', { kind: t(`breakIt.kind.${kind}`) })
    : t('breakIt.off');
}

/** Which cross-tab lock this browser gives the client, and who holds the fallback lease. */
export function renderLock() {
  // A degraded lock (the client said so in a `lock` event) is news in any lock.
  const degraded = state.lock.state === 'degraded';
  ui.lockState.dataset.health = state.lock.state;
  const health = degraded ? ` · ${t('lock.degraded', { reason: lockReason() })}` : '';
  if (navigator.locks) {
    ui.lockState.dataset.lock = 'web-locks';
    ui.lockState.textContent = t('lock.webLocks') + health;
    return;
  }
  ui.lockState.dataset.lock = 'fallback';
  let holder = t('lock.free');
  try {
    const lease = JSON.parse(localStorage.getItem(LEASE_KEY) ?? 'null');
    const left = lease ? Math.ceil((lease.expires - Date.now()) / 1000) : 0;
    if (left > 0) holder = t('lock.heldBy', { owner: String(lease.owner), seconds: left });
  } catch {
    /* no storage, or not our JSON: nobody holds it as far as we can tell */
  }
  ui.lockState.textContent = `${t('lock.fallback')}: ${holder}${health}`;
}

/** Why the lock is degraded (timeout, acquire, renew, release), in the page's words. */
export function lockReason() {
  const key = `lock.reason.${state.lock.reason}`;
  return has(key) ? t(key) : state.lock.reason;
}

/** A short sentence for screen readers and the room. */
export function say(/** @type {string} */ text) {
  ui.status.textContent = text;
}

/** A sentence's full stop in the page's language. */
export const fullStop = () => (language() === 'zh-CN' ? '。' : '.');

/** @param {string} what @param {unknown} outcome a response body or an error */
export function showResult(what, outcome) {
  if (outcome instanceof ApiError) {
    const details = { error: outcome.code, status: outcome.status, message: outcome.message };
    const cause = outcome.cause instanceof ApiError ? { cause: outcome.cause.code } : {};
    const body = JSON.stringify({ ...details, ...cause }, null, 2);
    ui.result.textContent = `${t('result.failed', { what })}\n${body}`;
  } else if (outcome instanceof Error) {
    ui.result.textContent = `${t('result.failed', { what })}\n${outcome.message}`;
  } else {
    ui.result.textContent = `${what} → 200\n${JSON.stringify(outcome, null, 2)}`;
  }
}

/**
 * The session ended because a refresh failed: say why, in words.
 * @param {ApiError} error
 * @returns {boolean} whether this was news (the timeline marks the moment once)
 */
export function explainEnd(error) {
  const cause = error.cause instanceof ApiError ? error.cause : error;
  const first = state.explainedCode === '';
  const upgrade = !first && state.explainedCode !== 'token_reused' && cause.code === 'token_reused';
  if (!first && !upgrade) return false;
  state.explainedCode = cause.code;
  const { title, text } = explainSessionEnd(cause.code);
  const strong = document.createElement('strong');
  strong.textContent = title;
  const code = document.createElement('code');
  code.textContent = `(${cause.code})`;
  ui.sessionEnded.replaceChildren(strong, ' ', text, ' ', code);
  ui.sessionEnded.hidden = false;
  say(t('say.sessionEnded', { title }));
  return first;
}
