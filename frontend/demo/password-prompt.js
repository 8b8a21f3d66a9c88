// @ts-check
/**
 * password-prompt.js: the page's answer to the client's `onReauthRequired`.
 * A 403 reauth_required means "this token is fine, but the password it
 * stands for is too old for this action". The client pauses every call that
 * got one, asks here ONCE, re-authenticates and replays them; a cancel
 * rejects, and the client fails every waiting call with reauth_cancelled.
 *
 * The prompt is a modal <dialog>: the browser keeps the focus inside it,
 * Escape cancels it, and closing it puts the focus back where it was.
 */

import { ApiError } from '../js/api.js';
import { ui } from './elements.js';
import { t } from './strings.js';

/**
 * @returns {(error: ApiError) => Promise<string>} ask for the password; rejects on cancel
 */
export function createPasswordPrompt() {
  /** @type {{ resolve: (password: string) => void, reject: (error: Error) => void } | null} */
  let waiting = null;

  ui.reauthForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const answer = waiting;
    waiting = null;
    ui.reauthDialog.close();
    answer?.resolve(ui.reauthPassword.value);
    ui.reauthPassword.value = ''; // a password stays in memory no longer than it must
  });
  ui.reauthCancel.addEventListener('click', () => ui.reauthDialog.close());
  // Every way out that is not "Confirm" (Cancel, Escape) is a cancel.
  ui.reauthDialog.addEventListener('close', () => {
    const answer = waiting;
    waiting = null;
    ui.reauthPassword.value = '';
    answer?.reject(new Error(t('reauth.cancelled')));
  });

  return function askPassword(error) {
    // The client asks again after a wrong password, with that error: say so.
    const wrong = error instanceof ApiError && error.code === 'invalid_credentials';
    ui.reauthError.textContent = wrong ? t('reauth.wrong') : '';
    return new Promise((resolve, reject) => {
      waiting = { resolve, reject };
      if (!ui.reauthDialog.open) ui.reauthDialog.showModal();
      ui.reauthPassword.focus();
    });
  };
}
