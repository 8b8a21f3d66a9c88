// @ts-check
/**
 * elements.js: the demo page's elements, found once by id (index.html), and
 * `busy()`, which marks a button busy while its work runs.
 */

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: #${id} is missing`);
  return el;
}
const button = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (byId(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));

export const ui = {
  loginForm: /** @type {HTMLFormElement} */ (byId('login-form')),
  username: input('username'),
  password: input('password'),
  loginButton: button('login-button'),
  loginError: byId('login-error'),
  checking: byId('session-checking'),
  sessionInfo: byId('session-info'),
  sessionUser: byId('session-user'),
  sessionMode: byId('session-mode'),
  countdown: byId('countdown'),
  countdownText: byId('countdown-text'),
  logout: button('logout'),
  sessionEnded: byId('session-ended'),
  callAaa: button('call-aaa'),
  callBbb: button('call-bbb'),
  burstSize: input('burst-size'),
  fireBurst: button('fire-burst'),
  corrupt: button('corrupt-token'),
  revoke: button('revoke-refresh'),
  proactive: input('proactive'),
  proactiveHelp: byId('proactive-help'),
  reset: button('reset'),
  largeType: button('large-type'),
  timeline: byId('timeline'),
  timelineEmpty: byId('timeline-empty'),
  status: byId('status'),
  result: byId('result'),
  apiUrl: byId('api-url'),
  bootNote: byId('boot-note'),
  tour: byId('tour'),
  tourOpen: button('tour-open'),
  lockLabel: byId('lock-label'),
  lockState: byId('lock-state'),
  sessionsList: byId('sessions-list'),
  sessionsReload: button('sessions-reload'),
  sessionsStatus: byId('sessions-status'),
  endOthers: button('end-others'),
  reauthTemplate: /** @type {HTMLTemplateElement} */ (byId('reauth-template')),
  breakLegend: byId('break-legend'),
  breakKindLabel: byId('break-kind-label'),
  breakKind: /** @type {HTMLSelectElement} */ (byId('break-kind')),
  breakRefresh: button('break-refresh'),
  breakState: byId('break-state'),
  exportSvg: button('export-svg'),
  exportPng: button('export-png'),
  modeRadios: /** @type {NodeListOf<HTMLInputElement>} */ (
    document.querySelectorAll('input[name="mode"]')
  ),
  langButtons: /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll('[data-lang]')
  ),
  counterCells: /** @type {NodeListOf<HTMLElement>} */ (
    document.querySelectorAll('[data-counter]')
  ),
  needsSession: /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll('[data-needs-session]')
  ),
};

/** How many runs of each button are under way. */
const busyCount = new WeakMap();

/**
 * Mark a button busy while its work runs; never leave a spinner behind.
 * @template T
 * @param {HTMLElement} button
 * @param {() => Promise<T>} work
 */
export async function busy(button, work) {
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
