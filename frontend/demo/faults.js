// @ts-check
/**
 * faults.js: the "break it" buttons. Each one does by hand what goes wrong
 * in real life, so the room can watch the client cope:
 *
 * - corrupt: tamper with the access token in memory (as blog posts do in DevTools);
 * - revoke: log out on the server only, behind the client's back;
 * - break the next refresh: it fails with a 503 or a dropped connection,
 *   made here in the page (no backend change), through the clients' fetch.
 */

import { corruptToken, readCookie } from './demo-helpers.js';
import { busy, ui } from './elements.js';
import { state } from './state.js';
import { t } from './strings.js';
import { renderBreakIt, renderCountdown, say } from './view.js';

/** @typedef {import('./state.js').BreakKind} BreakKind */

/**
 * @param {{ apiBase: string, note: (text: string, tone?: 'info' | 'warn') => void }} page
 *   apiBase: where the API is; note(): a line on the timeline
 */
export function createFaults({ apiBase, note }) {
  /** Tamper with the token in memory: the next call gets a 401 invalid_token. */
  function corrupt() {
    const session = state.client.getSession();
    if (!session) return;
    state.corruptedToken = corruptToken(session.accessToken);
    state.client.setAccessToken(state.corruptedToken);
    note(t('note.corrupted'), 'warn');
    say(t('say.corrupted'));
    renderCountdown();
  }

  /**
   * Log out *on the server only*: the family is revoked and the cookies
   * cleared, while this page still holds an access token. It keeps working
   * until it expires (access tokens are stateless), then the refresh fails
   * and the session ends.
   */
  async function revoke() {
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
        if (csrf) note(t('note.revoked'), 'warn');
        say(t(csrf ? 'say.revoked' : 'say.nothingToRevoke'));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        say(t('say.revokeFailed', { error: reason }));
      }
    });
  }

  /** Arm "break the next refresh" (null disarms it). @param {BreakKind | null} kind */
  function breakNextRefresh(kind) {
    state.breakNext = kind;
    renderBreakIt();
  }

  /**
   * The clients' fetch: the real one, unless "break the next refresh" is
   * armed. Then the next POST /auth/refresh never reaches the server.
   * @type {typeof fetch}
   */
  function pageFetch(input, init) {
    const url = input instanceof Request ? input.url : String(input);
    const kind = state.breakNext;
    if (!kind || !new URL(url, location.href).pathname.endsWith('/auth/refresh'))
      return fetch(input, init);
    breakNextRefresh(null);
    note(t('breakIt.used', { kind: t(`breakIt.kind.${kind}`) }), 'warn');
    if (kind === 'drop') return Promise.reject(new TypeError(t('breakIt.dropMessage')));
    const body = JSON.stringify({ error: 'service_unavailable', message: t('breakIt.body503') });
    const headers = { 'Content-Type': 'application/json', 'Retry-After': '1' };
    return Promise.resolve(
      new Response(body, { status: 503, statusText: 'Service Unavailable', headers }),
    );
  }

  return { corrupt, revoke, breakNextRefresh, fetch: pageFetch };
}
