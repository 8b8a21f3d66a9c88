// @ts-check
/**
 * export.js: the timeline as an image for slides. The SVG is drawn from
 * the timeline's own DOM (its lanes, phases and marks, positioned by the
 * same --from/--to/--at/--span numbers the CSS uses), so it shows exactly
 * what the page shows. PNG: that SVG painted on a canvas.
 */

import { t } from './strings.js';

const WIDTH = 1200;
const LABEL_W = 300;
const LANE_H = 28;
const TITLE_H = 30;
const PAD = 16;
const COLORS = {
  flight: '#2563eb',
  wait: '#7c3aed',
  refresh: '#b45309',
  sent: '#2563eb',
  401: '#c2410c',
  queued: '#7c3aed',
  replay: '#2563eb',
  ok: '#15803d',
  failed: '#b91c1c',
  note: '#4b5563',
  text: '#111827',
  muted: '#4b5563',
  refreshBg: '#fff4cc',
};

/** @param {HTMLElement} el @param {string} name */
function num(el, name) {
  return Number.parseFloat(el.style.getPropertyValue(name)) || 0;
}

/** @param {string} text */
function esc(text) {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

/** The modifier after `prefix--` in the element's classes, e.g. phase--wait → wait. */
function kindOf(/** @type {Element} */ el, /** @type {string} */ prefix) {
  for (const name of el.classList)
    if (name.startsWith(`${prefix}--`) && name !== 'phase--open')
      return name.slice(prefix.length + 2);
  return '';
}

/**
 * @param {HTMLElement} timeline the #timeline list
 * @returns {string} an SVG document
 */
export function timelineToSvg(timeline) {
  const parts = [];
  let y = PAD;
  const trackW = WIDTH - LABEL_W - 2 * PAD;
  for (const burst of /** @type {NodeListOf<HTMLElement>} */ (
    timeline.querySelectorAll(':scope > .burst')
  )) {
    const span = Math.max(1, num(burst, '--span'));
    const title = burst.querySelector('.burst__title')?.textContent ?? '';
    parts.push(
      `<text x="${PAD}" y="${y + 20}" font-weight="700" fill="${COLORS.text}">${esc(title)}</text>`,
    );
    y += TITLE_H;
    for (const lane of /** @type {NodeListOf<HTMLElement>} */ (burst.querySelectorAll('.lane'))) {
      const label = lane.querySelector('.lane__label')?.textContent ?? '';
      const isRefresh = lane.classList.contains('lane--refresh');
      const isNote = lane.classList.contains('lane--note');
      if (isRefresh)
        parts.push(
          `<rect x="${PAD}" y="${y}" width="${WIDTH - 2 * PAD}" height="${LANE_H - 4}" fill="${COLORS.refreshBg}"/>`,
        );
      parts.push(
        `<text x="${PAD + 4}" y="${y + 17}" fill="${isNote ? COLORS.muted : COLORS.text}" font-family="monospace">${esc(label)}</text>`,
      );
      const x = (/** @type {number} */ ms) => PAD + LABEL_W + Math.min(1, ms / span) * trackW;
      for (const phase of /** @type {NodeListOf<HTMLElement>} */ (
        lane.querySelectorAll('.phase')
      )) {
        const from = x(num(phase, '--from'));
        const to = Math.max(from + 2, x(num(phase, '--to')));
        const color =
          COLORS[/** @type {keyof typeof COLORS} */ (kindOf(phase, 'phase'))] ?? COLORS.flight;
        parts.push(
          `<rect x="${from}" y="${y + 8}" width="${to - from}" height="8" rx="3" fill="${color}" opacity="0.55"/>`,
        );
      }
      for (const mark of /** @type {NodeListOf<HTMLElement>} */ (lane.querySelectorAll('.mark'))) {
        const color =
          COLORS[/** @type {keyof typeof COLORS} */ (kindOf(mark, 'mark'))] ?? COLORS.text;
        parts.push(
          `<circle cx="${x(num(mark, '--at'))}" cy="${y + 12}" r="6" fill="${color}"><title>${esc(mark.title)}</title></circle>`,
        );
      }
      y += LANE_H;
    }
    y += PAD;
  }
  const height = y + PAD;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="system-ui, sans-serif" font-size="14"><title>${esc(t('export.title'))}</title>` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>`
  );
}

/** @param {string} svg @returns {Promise<Blob>} */
export async function svgToPng(svg) {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    context.drawImage(image, 0, 0);
    return await new Promise((resolve, reject) =>
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Offer `blob` as a download named `name`. @param {Blob} blob @param {string} name */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
