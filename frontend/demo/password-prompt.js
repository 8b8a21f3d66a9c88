// @ts-check
/**
 * password-prompt.js: the page's answer to the client's `onReauthRequired`.
 * A 403 reauth_required means "this token is fine, but the password it
 * stands for is too old for this action". The client pauses every call that
 * got one, asks here ONCE, re-authenticates and replays them; a cancel
 * rejects, and the client fails every waiting call with reauth_cancelled.
 *
 * The prompt is a modal <dialog>, copied from its <template> in index.html
 * while it asks and removed after: the browser keeps the focus inside it,
 * Escape cancels it, and closing it puts the focus back where it was.
 */

import { ApiError } from '../js/api.js';
import { ui } from './elements.js';
import { t, translatePage } from './strings.js';

/** @param {ApiError} error why the client asks: reauth_required, or a wrong password */
export function askPassword(error) {
  const dialog = /** @type {HTMLDialogElement} */ (
    ui.reauthTemplate.content.firstElementChild?.cloneNode(true)
  );
  translatePage(dialog);
  const find = (/** @type {string} */ selector) =>
    /** @type {HTMLElement} */ (dialog.querySelector(selector));
  const form = /** @type {HTMLFormElement} */ (find('form'));
  const password = /** @type {HTMLInputElement} */ (find('input'));
  // The client asks again after a wrong password, with that error: say so.
  const wrong = error instanceof ApiError && error.code === 'invalid_credentials';
  find('[role="alert"]').textContent = wrong ? t('reauth.wrong') : '';

  return new Promise((resolve, reject) => {
    /** @type {string | null} */
    let answer = null;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      answer = password.value;
      dialog.close();
    });
    find('[data-cancel]').addEventListener('click', () => dialog.close());
    // Every way out that is not "Confirm" (Cancel, Escape) is a cancel.
    dialog.addEventListener('close', () => {
      dialog.remove(); // and the password with it
      if (answer === null) reject(new Error(t('reauth.cancelled')));
      else resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
