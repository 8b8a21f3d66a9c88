// @ts-check
/**
 * sessions.js: the "Your sessions" panel. A session is one login on one
 * device (one token family on the server). The panel lists this user's live
 * sessions (GET /sessions), ends one (DELETE /sessions/<id>) or all the
 * others (POST /sessions/end-others), and lists again after each action.
 *
 * Ending another device's session is sensitive: with an old password the
 * server answers 403 reauth_required, and the client asks for the password
 * (password-prompt.js) once for every call waiting on it. The panel only
 * makes the calls; the client does the asking and the replaying.
 *
 * `data-state` on the list (empty, loading, ready, failed) is a hook for tests.
 * The list loads when asked ("List my sessions"), and again after each action.
 */

import { ApiError } from '../js/api.js';
import { busy, ui } from './elements.js';
import { state } from './state.js';
import { language, t } from './strings.js';

/**
 * @typedef {{ id: string, created_at: string, last_used_at: string, expires_at: string,
 *   user_agent: string | null, current: boolean }} SessionInfo
 */

/** @param {{ note: (text: string, tone?: 'info' | 'warn' | 'failed') => void }} page */
export function createSessionsPanel({ note }) {
  /** Only the newest list request may draw: answers can arrive out of order. */
  let loads = 0;

  async function load() {
    const mine = ++loads;
    ui.sessionsList.dataset.state = 'loading';
    try {
      const body = await state.client.get('/sessions');
      if (mine !== loads) return;
      draw(/** @type {SessionInfo[]} */ (body?.sessions ?? []));
      ui.sessionsList.dataset.state = 'ready';
    } catch (error) {
      if (mine !== loads) return;
      ui.sessionsList.dataset.state = 'failed';
      ui.sessionsStatus.textContent = t('sessions.loadFailed', { error: codeOf(error) });
    }
  }

  /** The login the list was drawn for; a refresh keeps it, a login or reauth does not. */
  let shownFor = '';

  /**
   * The list follows the session: emptied when it ends, drawn again for a
   * new one (a login or re-authentication, here or in another tab) if it was
   * on screen. It is never fetched unasked: every call the page makes shows
   * on the timeline and in the counters, and those count what the room does.
   * @param {import('../js/api.js').Session | null} session
   */
  function follow(session) {
    if (session?.sessionId === shownFor) return;
    shownFor = session?.sessionId ?? '';
    if (session) {
      if (ui.sessionsList.dataset.state !== 'empty') load();
      return;
    }
    loads += 1;
    ui.sessionsList.replaceChildren();
    ui.sessionsList.dataset.state = 'empty';
    ui.sessionsStatus.textContent = '';
  }

  /** @param {SessionInfo[]} sessions */
  function draw(sessions) {
    // This device first, then the others as the server sorts them: most recently used first.
    const shown = [...sessions].sort((a, b) => Number(b.current) - Number(a.current));
    ui.sessionsList.replaceChildren(...shown.map(item));
    if (sessions.length === 0) ui.sessionsStatus.textContent = t('sessions.none');
  }

  /** @param {SessionInfo} session */
  function item(session) {
    const li = document.createElement('li');
    li.className = 'session-item';
    li.dataset.current = String(session.current);
    const title = document.createElement('strong');
    title.textContent = t(session.current ? 'sessions.thisDevice' : 'sessions.otherDevice');
    const agent = document.createElement('span');
    agent.className = 'session-item__agent';
    agent.textContent = session.user_agent || t('sessions.unknownAgent');
    const times = document.createElement('dl');
    times.className = 'session-item__times';
    for (const [key, value] of /** @type {const} */ ([
      ['sessions.created', session.created_at],
      ['sessions.lastUsed', session.last_used_at],
      ['sessions.ends', session.expires_at],
    ])) {
      const dt = document.createElement('dt');
      dt.textContent = t(key);
      const dd = document.createElement('dd');
      dd.textContent = when(value);
      times.append(dt, dd);
    }
    li.append(title, ' ', agent, times);
    // Your own session ends with "Log out"; the others with "End".
    if (!session.current) {
      const end = document.createElement('button');
      end.type = 'button';
      end.className = 'session-item__end';
      end.textContent = t('sessions.end');
      end.addEventListener('click', () => endOne(session, end));
      li.append(end);
    }
    return li;
  }

  /** @param {SessionInfo} session @param {HTMLButtonElement} button */
  async function endOne(session, button) {
    await act(button, () => state.client.request({ method: 'DELETE', path: sessionPath(session) }));
  }

  async function endOthers() {
    await act(
      ui.endOthers,
      () => state.client.request({ method: 'POST', path: '/sessions/end-others' }),
      (body) => t('sessions.endedOthers', { n: Number(body?.ended ?? 0) }),
    );
  }

  /**
   * Run one ending call, say how it went, and list again.
   * @param {HTMLButtonElement} button
   * @param {() => Promise<any>} call
   * @param {(body: any) => string} [done] the words for a success
   */
  async function act(button, call, done = () => t('sessions.ended')) {
    await busy(button, async () => {
      try {
        const text = done(await call());
        ui.sessionsStatus.textContent = text;
        note(text);
      } catch (error) {
        const code = codeOf(error);
        ui.sessionsStatus.textContent =
          code === 'reauth_cancelled' ? t('sessions.cancelled') : t('sessions.failed', { code });
      }
      if (state.client.getSession()) await load();
    });
  }

  return { load, follow, endOthers };
}

/** @param {SessionInfo} session */
const sessionPath = (session) => `/sessions/${encodeURIComponent(session.id)}`;

/** @param {unknown} error */
const codeOf = (error) => (error instanceof ApiError ? error.code : String(error));

/** An ISO time from the server, in the reader's own clock and language. @param {string} iso */
function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(language(), { dateStyle: 'short', timeStyle: 'medium' });
}
