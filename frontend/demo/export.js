// @ts-check
/**
 * export.js: the timeline as an image for slides. The SVG is drawn from the
 * timeline's model (timeline-model.js), the same data the page draws, in the
 * page's own colours (the --c-* palette of demo.css). PNG: that SVG painted
 * on a canvas.
 */

import { t } from './strings.js';
import { phaseEnd, spanOf } from './timeline-model.js';
import { burstTitle } from './timeline-text.js';

const WIDTH = 1200;
const LABEL_W = 300;
/** Room between a lane's label and its track: a mark at 0 ms must not touch the words. */
const GAP = 12;
const LANE_H = 28;
const TITLE_H = 30;
const PAD = 16;
const MARK_R = 6;
/** demo.css's font stack, Chinese fonts included, for an image that may show Chinese. */
const FONTS =
  "system-ui, 'Segoe UI', 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', sans-serif";

/** @param {string} text */
function esc(text) {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

/** The page's palette, read from demo.css, where it is defined. @param {string} name e.g. 'ok' */
function color(name) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(`--c-${name}`);
  return value.trim() || '#111827';
}

/** Marks take their colour from the step: a replay is a request in flight again. */
const MARK_COLOR = /** @type {Record<string, string>} */ ({
  sent: 'flight',
  replay: 'flight',
  queued: 'wait',
  refresh: 'refresh',
  reauth: 'reauth',
  401: '401',
  403: 'reauth',
  ok: 'ok',
  failed: 'failed',
});

/**
 * @param {readonly import('./timeline-model.js').Burst[]} bursts oldest first, as in the model
 * @param {number} time now, for a burst still running
 * @returns {string} an SVG document
 */
export function timelineToSvg(bursts, time) {
  const parts = [];
  let y = PAD;
  const trackX = PAD + LABEL_W + GAP + MARK_R;
  const trackW = WIDTH - trackX - PAD - MARK_R;
  const text = (/** @type {string} */ words, /** @type {string} */ attrs) =>
    `<text ${attrs} fill="${color('text')}">${esc(words)}</text>`;
  for (const burst of [...bursts].reverse()) {
    parts.push(text(burstTitle(burst, time), `x="${PAD}" y="${y + 20}" font-weight="700"`));
    y += TITLE_H;
    const span = spanOf(burst, time);
    const x = (/** @type {number} */ ms) => trackX + Math.min(1, ms / span) * trackW;
    for (const lane of burst.lanes) {
      if (lane.kind === 'note') {
        // A note is words only, across the whole width: nothing is drawn over it.
        parts.push(text(lane.label, `x="${PAD + 4}" y="${y + 17}" font-style="italic"`));
        y += LANE_H;
        continue;
      }
      if (lane.kind === 'refresh' || lane.kind === 'reauth') {
        const band = `x="${PAD}" y="${y}" width="${WIDTH - 2 * PAD}" height="${LANE_H - 4}"`;
        parts.push(`<rect ${band} fill="${color(`${lane.kind}-bg`)}"/>`);
      }
      const label = `x="${PAD + 4}" y="${y + 17}" font-family="monospace" clip-path="url(#labels)"`;
      parts.push(text(lane.label, label));
      for (const phase of lane.phases) {
        const from = x(phase.from);
        const to = Math.max(from + 2, x(phaseEnd(phase, burst, time)));
        const bar = `x="${from}" y="${y + 8}" width="${to - from}" height="8" rx="3"`;
        parts.push(`<rect ${bar} fill="${color(phase.kind)}" opacity="0.55"/>`);
      }
      for (const step of lane.steps) {
        const dot = `cx="${x(step.at)}" cy="${y + 12}" r="${MARK_R}"`;
        const fill = color(MARK_COLOR[step.kind] ?? 'text');
        parts.push(`<circle ${dot} fill="${fill}"><title>${esc(step.text)}</title></circle>`);
      }
      y += LANE_H;
    }
    y += PAD;
  }
  const height = y + PAD;
  // Lane labels stop where the track begins: a long label is cut, never covered.
  const column = `<rect width="${PAD + LABEL_W}" height="${height}"/>`;
  const clip = `<clipPath id="labels">${column}</clipPath>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" font-family="${FONTS}" font-size="14">` +
    `<title>${esc(t('export.title'))}</title>${clip}` +
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
