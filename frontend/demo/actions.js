// @ts-check
/**
 * actions.js: what the page's buttons do, the way an app would use the
 * client: log in and out, call the API, fire a burst, swap interceptors,
 * reset, export. Every client event goes to the timeline and the counters
 * (client.on('*')): the page draws what the client did, it never guesses.
 */

import { ApiError, createApiClient } from '../js/api.js';
import { createNaiveApiClient } from '../js/naive.js';
import { busy, ui } from './elements.js';
import { download, svgToPng, timelineToSvg } from './export.js';
import { count, resetState, state } from './state.js';
import { has, t } from './strings.js';
import * as view from './view.js';

const MAX_BURST = 20;

/** @typedef {import('./state.js').Client} Client @typedef {import('./state.js').Mode} Mode */
/** @typedef {Pick<NonNullable<Parameters<typeof createApiClient>[0]>,
 *   'onReauthRequired' | 'idleAfterMs' | 'refreshTokenTtlMs'>} ClientOptions */

/**
 * @param {{ apiBase: string, fetch: typeof fetch, clientOptions: ClientOptions,
 *   onEvent: (event: import('../js/api.js').ApiEvent) => void }} options
 *   apiBase and fetch: the clients' API and fetch; clientOptions: the rest of
 *   api.js's options; onEvent: each event of the current client, for the other panels
 */
export function createActions({ apiBase, fetch, clientOptions, onEvent }) {
  const timeline = state.timeline;

  /** A client for `kind`, its events routed to the page. @param {Mode} kind */
  function makeClient(kind) {
    state.generation += 1;
    const tag = `c${state.generation}`;
    const create = kind === 'naive' ? createNaiveApiClient : createApiClient;
    const created = /** @type {Client} */ (
      create({
        ...clientOptions,
        baseURL: apiBase,
        fetch,
        proactiveRefresh: ui.proactive.checked,
        onSessionExpired: (error) => {
          if (created !== state.client) return;
          // The refresh lanes show each code; the note only marks the moment.
          if (view.explainEnd(error)) timeline.note(t('note.sessionEnded'), 'failed');
        },
      })
    );
    // An old client's requests still in flight keep drawing their lanes, so
    // no lane is left "pending" after a switch; only the current client's
    // session events change the page.
    created.on('*', (event) => {
      timeline.handle(event, tag);
      if (count(event)) view.renderCounters();
      if (created !== state.client) return;
      if (event.type === 'session') onSessionEvent(event);
      onEvent(event);
    });
    return created;
  }

  /** @param {import('../js/api.js').ApiEvent} event */
  function onSessionEvent(event) {
    if (event.session) {
      if (event.reason === 'other-tab') timeline.note(t('note.otherTab'));
      if (state.session !== 'in' && ['login', 'restore', 'other-tab'].includes(event.reason)) {
        // A new session (here, or logged in from another tab): the old "why it ended" is history.
        state.explainedCode = '';
        ui.sessionEnded.hidden = true;
      }
      state.session = 'in';
    } else {
      if (event.reason === 'logout') timeline.note(t('note.loggedOut'));
      if (event.reason !== 'handover') state.session = 'out';
    }
    view.renderSession();
  }

  async function restore() {
    state.session = 'checking';
    view.renderSession();
    try {
      const session = await state.client.restore();
      const user = session?.user?.username;
      view.say(session ? t('say.restored', { user: String(user) }) : t('say.notLoggedIn'));
    } catch (error) {
      view.say(t('say.unreachable', { api: apiBase }));
      view.showResult('restore', error);
    } finally {
      state.session = state.client.getSession() ? 'in' : 'out';
      view.renderSession();
    }
  }

  /**
   * @param {{ focusNext?: boolean }} [how]
   *   focusNext: move on to "Call /aaa" (after the form, not the tour)
   */
  async function logIn({ focusNext = false } = {}) {
    ui.loginError.textContent = '';
    await busy(ui.loginButton, async () => {
      try {
        const user = String(
          (await state.client.login(ui.username.value, ui.password.value))?.username,
        );
        timeline.note(t('note.loggedIn', { user }));
        view.say(t('say.loggedIn', { user }));
        if (focusNext) ui.callAaa.focus();
      } catch (error) {
        ui.loginError.textContent = error instanceof ApiError ? errorMessage(error) : String(error);
        view.say(t('say.loginFailed'));
      }
    });
  }

  async function logOut() {
    await busy(ui.logout, async () => {
      try {
        await state.client.logout();
        view.say(t('say.loggedOut'));
      } catch {
        view.say(t('say.logoutOffline'));
      }
    });
  }

  /** @param {string} path /aaa or /bbb */
  async function call(path) {
    await busy(path === '/bbb' ? ui.callBbb : ui.callAaa, async () => {
      try {
        const body = await state.client.get(path);
        view.showResult(`GET ${path}`, body);
        view.say(t('say.callOk', { path, data: body?.data }));
      } catch (error) {
        view.showResult(`GET ${path}`, error);
        view.say(t('say.callFailed', { path, error: codeOf(error) }));
      }
    });
  }

  /** N calls at once, alternating /aaa and /bbb: the concurrency problem, on demand. */
  async function fireBurst() {
    const n = Math.min(MAX_BURST, Math.max(1, Number.parseInt(ui.burstSize.value, 10) || 5));
    ui.burstSize.value = String(n);
    await busy(ui.fireBurst, async () => {
      const paths = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '/aaa' : '/bbb'));
      const results = await Promise.allSettled(paths.map((path) => state.client.get(path)));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      const lines = results.map((r, i) => {
        const outcome =
          r.status === 'fulfilled'
            ? `200 ${JSON.stringify(r.value?.data)}`
            : t('timeline.failedWith', { error: codeOf(r.reason) });
        return `GET ${paths[i]} → ${outcome}`;
      });
      const summary = t('say.burst', { n, ok, failed: n - ok });
      ui.result.textContent = `${summary}\n${lines.join('\n')}`;
      view.say(`${summary}${view.fullStop()}`);
    });
  }

  /**
   * Swap clients, carrying on with the same session: the old client hands
   * the whole session to the new one (no logout, no refresh, the countdown
   * goes on), and the new one numbers its refreshes from #1.
   * @param {Mode} next
   */
  function switchMode(next) {
    if (next === state.mode) return;
    const old = state.client;
    const kept = state.session === 'in' && old.getSession() !== null;
    state.mode = next;
    state.client = makeClient(next);
    old.handSessionTo(state.client);
    old.destroy();
    state.session = kept ? 'in' : 'out';
    view.renderMode();
    const mode = t(`mode.${next}`);
    timeline.note(t('note.switched', { mode }));
    view.say(t(kept ? 'say.switchedKept' : 'say.switched', { mode }));
    view.renderSession();
  }

  /**
   * Reset that really resets: log out (the server revokes the session), a new
   * client (refreshes numbered from #1 again), empty timeline and counters,
   * nothing armed; then, if we were logged in, a fresh login.
   */
  async function reset() {
    await busy(ui.reset, async () => {
      const wasIn = state.session === 'in';
      const old = state.client;
      if (old.getSession()) await old.logout().catch(() => {});
      old.destroy();
      resetState();
      state.client = makeClient(state.mode);
      view.renderCounters();
      view.renderBreakIt();
      ui.result.textContent = '';
      ui.sessionEnded.hidden = true;
      view.renderSession();
      if (wasIn) await logIn();
      view.say(t('reset.done'));
    });
  }

  /** @param {'svg' | 'png'} kind */
  async function exportTimeline(kind) {
    if (timeline.bursts().length === 0) {
      view.say(t('export.empty'));
      return;
    }
    const svg = timelineToSvg(timeline.bursts(), timeline.now());
    const blob = kind === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await svgToPng(svg);
    download(blob, `silent-refresh-timeline.${kind}`);
  }

  /** Resolves once the current client's next proactive refresh has ended, or its session has. */
  function proactiveRefreshDone() {
    const client = state.client;
    /** @type {Set<number>} */
    const proactive = new Set();
    return new Promise((resolve) => {
      const offs = [
        client.on('refresh-start', (e) => e.reason === 'proactive' && proactive.add(e.refreshId)),
        client.on('refresh-end', (e) => proactive.has(e.refreshId) && done()),
        client.on('session', (e) => e.session === null && done()),
      ];
      function done() {
        offs.forEach((off) => off());
        resolve(undefined);
      }
    });
  }

  return {
    makeClient,
    restore,
    logIn,
    logOut,
    call,
    fireBurst,
    switchMode,
    reset,
    exportTimeline,
    proactiveRefreshDone,
  };
}

/** @param {unknown} error */
const codeOf = (error) => (error instanceof ApiError ? error.code : String(error));

/**
 * A failed login's words: ours for a code we know, else the server's message.
 * @param {ApiError} error
 */
function errorMessage(error) {
  return has(`error.${error.code}`) ? t(`error.${error.code}`) : error.message;
}
