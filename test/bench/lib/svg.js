'use strict';
/**
 * Line charts as standalone SVG text (no dependencies, viewable in any browser or Markdown renderer).
 *
 * One chart holds side-by-side panels that share an x axis of a few discrete values (e.g. concurrency 10,
 * 100, 1000), spaced evenly, i.e. logarithmically for such values. Each panel has its own y axis, from 0 to
 * a rounded maximum or logarithmic over whole decades (for latencies that grow 100-fold), one line per
 * series, and the value printed beside every point.
 *
 * Value labels never overlap one another: each sits to the right of its point (left of it in the last
 * column), labels whose boxes could meet horizontally are stacked as one column, and each such column is
 * spread vertically just enough to keep a gap between labels, as close as possible to their points (see
 * placeLabels). A label moved away from its point is joined to it by a thin leader line; labels have a white
 * halo so the lines and grid under them do not hide them.
 *
 *   +-- title ------------------------------------------------------+
 *   |  panel 1 (e.g. QPS)              panel 2 (e.g. p99)           |
 *   |  y |   o----o                    y |        o                 |
 *   |    |  /      \                     |   o---/                  |
 *   |    +----------- x                  +----------- x             |
 *   |  legend: -- series A   -- series B                            |
 *   |  notes                                                         |
 *   +----------------------------------------------------------------+
 */

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#57606a'];

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A round axis maximum and tick step (1, 2 or 5 times a power of ten) for data up to max. */
function niceScale(max, ticks = 5) {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { top: Math.ceil(max / step) * step, step };
}

/**
 * Three significant digits with a k/M suffix: 12345 -> '12.3k', 20500 -> '20.5k', 1500000 -> '1.5M',
 * 0.012 -> '0.012' (close values of two series stay distinct, and small log-axis ticks are not rounded to 0).
 */
function compact(v) {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const r = +v.toPrecision(3); // rounded first, so 999999 is '1M', not '1000k'
  const a = Math.abs(r);
  if (a >= 1e6) return `${+(r / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(r / 1e3).toPrecision(3)}k`;
  return `${r}`;
}

const LABEL_FONT = 10;
/** Label box height and the gap kept between stacked labels, in px. */
const LABEL_H = 11;
const LABEL_GAP = 1;
/** Space between a point and its label, in px. */
const LABEL_PAD = 7;

/** Width of `text` at `fontSize`, estimated from character classes (no font metrics in a plain SVG writer). */
function textWidth(text, fontSize) {
  let em = 0;
  for (const ch of String(text)) em += /[0-9]/.test(ch) ? 0.56 : /[.,:;'| ]/.test(ch) ? 0.3 : /[MWmw]/.test(ch) ? 0.85 : 0.6;
  return em * fontSize;
}

/**
 * Spreads labels along one axis so that no two overlap. Each label asks for its centre at `want`; labels keep
 * their order, stay `size + gap` apart, stay inside [lo, hi] when they fit (they are pushed down from lo when
 * they do not), and otherwise move as little as possible: a run of labels pushed together is centred on the
 * mean of what its labels asked for.
 * @param {{want: number}[]} labels
 * @param {number} size   extent of one label along the axis
 * @param {number} gap
 * @param {number} lo     lowest centre allowed
 * @param {number} hi     highest centre allowed
 * @returns {number[]}    the centres, in the order of `labels`
 */
function spread(labels, size, gap, lo, hi) {
  const step = size + gap;
  const order = labels.map((l, k) => ({ want: l.want, k })).sort((a, b) => a.want - b.want || a.k - b.k);
  // Runs of labels packed at `step`; a run's first centre is `start`.
  const runs = [];
  for (const item of order) {
    runs.push({ items: [item], start: Math.max(lo, Math.min(item.want, hi)), sum: item.want });
    // Merge with the previous run while they overlap; a merged run sits at the mean of its wishes.
    while (runs.length > 1) {
      const b = runs[runs.length - 1];
      const a = runs[runs.length - 2];
      if (a.start + a.items.length * step <= b.start) break;
      runs.pop();
      a.items.push(...b.items);
      a.sum += b.sum;
      const n = a.items.length;
      a.start = a.sum / n - ((n - 1) * step) / 2;
      // Keep the run inside the bounds (top bound wins when it cannot fit).
      a.start = Math.max(lo, Math.min(a.start, hi - (n - 1) * step));
    }
  }
  // Runs no longer overlap, except when there are more labels than fit between lo and hi: then they are
  // packed from lo down, past hi.
  const at = new Array(labels.length);
  let floor = -Infinity;
  for (const run of runs) {
    let y = Math.max(run.start, floor);
    for (const item of run.items) {
      at[item.k] = y;
      y += step;
    }
    floor = y;
  }
  return at;
}

/**
 * Places the value labels of one panel so that no two boxes overlap: to the right of the point (to the left
 * in the last column, so labels stay inside the panel), grouped into stacks of labels whose boxes could meet
 * horizontally, each stack spread vertically around its points' heights (spread()).
 * @param {{cx: number, cy: number, i: number, text: string}[]} labels   i: the x column
 * @param {{last: number, lo: number, hi: number}} area   last: index of the last column; lo/hi: vertical bounds
 * @returns {{x: number, y: number, w: number, anchor: 'start' | 'end'}[]}   per label: where to draw it
 */
function placeLabels(labels, area) {
  const boxes = labels.map((l) => {
    const w = textWidth(l.text, LABEL_FONT);
    const right = l.i !== area.last || area.last === 0;
    const x = right ? l.cx + LABEL_PAD : l.cx - LABEL_PAD;
    return { x, w, anchor: right ? 'start' : 'end', left: right ? x : x - w, right: right ? x + w : x, y: l.cy };
  });
  // Union the boxes whose horizontal extents meet (with a small margin) into stacks.
  const parent = boxes.map((_, k) => k);
  const find = (k) => (parent[k] === k ? k : (parent[k] = find(parent[k])));
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      if (boxes[a].left < boxes[b].right + 2 && boxes[b].left < boxes[a].right + 2) parent[find(a)] = find(b);
    }
  }
  const stacks = new Map();
  boxes.forEach((_, k) => {
    const root = find(k);
    if (!stacks.has(root)) stacks.set(root, []);
    stacks.get(root).push(k);
  });
  for (const members of stacks.values()) {
    const ys = spread(members.map((k) => ({ want: labels[k].cy })), LABEL_H, LABEL_GAP, area.lo, area.hi);
    members.forEach((k, m) => {
      boxes[k].y = ys[m];
    });
  }
  return boxes.map(({ x, y, w, anchor }) => ({ x, y, w, anchor }));
}

/**
 * Renders the chart.
 * @param {object} c
 * @param {string} c.title
 * @param {string} [c.subtitle]
 * @param {string} c.xLabel
 * @param {number[]} c.xValues                 the x positions, in order
 * @param {{title: string, yLabel: string, format?: (v: number) => string, logY?: boolean,
 *          series: {name: string, color?: string, points: {x: number, y: number | null}[]}[]}[]} c.panels
 *        (logY: logarithmic y axis over whole decades; values <= 0 are left out)
 * @param {string[]} [c.notes]                 lines printed under the legend
 * @returns {string} SVG document
 */
function lineChartSvg(c) {
  const panelW = 420;
  const panelH = 260;
  const margin = { left: 70, right: 30, top: c.subtitle ? 78 : 60, bottom: 56 };
  const seriesNames = [];
  for (const p of c.panels) for (const s of p.series) if (!seriesNames.includes(s.name)) seriesNames.push(s.name);
  const colorOf = new Map();
  for (const p of c.panels) {
    for (const s of p.series) {
      if (!colorOf.has(s.name)) colorOf.set(s.name, s.color || PALETTE[seriesNames.indexOf(s.name) % PALETTE.length]);
    }
  }
  const notes = c.notes || [];
  const legendH = 28;
  const width = c.panels.length * (panelW + margin.left + margin.right);
  const height = margin.top + panelH + margin.bottom + legendH + notes.length * 16 + 12;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    'font-family="Helvetica, Arial, sans-serif" font-size="12">');
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${esc(c.title)}</text>`);
  if (c.subtitle) out.push(`<text x="${width / 2}" y="46" text-anchor="middle" fill="#57606a">${esc(c.subtitle)}</text>`);

  const n = c.xValues.length;
  c.panels.forEach((panel, pi) => {
    const x0 = pi * (panelW + margin.left + margin.right) + margin.left;
    const y0 = margin.top;
    const fmt = panel.format || compact;
    const valid = (y) => y !== null && Number.isFinite(y) && (!panel.logY || y > 0);
    const ys = panel.series.flatMap((s) => s.points.map((p) => p.y)).filter(valid);
    const px = (i) => x0 + (n === 1 ? panelW / 2 : 24 + (i * (panelW - 48)) / (n - 1));
    let py;
    let ticks;
    if (panel.logY) {
      // Decades that enclose the data, gridlines at 1, 2 and 5 times each power of ten.
      const lo = 10 ** Math.floor(Math.log10(ys.length ? Math.min(...ys) : 1));
      const hi = 10 ** Math.ceil(Math.log10(ys.length ? Math.max(...ys) * 1.15 : 10));
      const span = Math.log10(hi) - Math.log10(lo) || 1;
      py = (y) => y0 + panelH - ((Math.log10(y) - Math.log10(lo)) / span) * panelH;
      ticks = [];
      for (let d = lo; d <= hi * 1.0001; d *= 10) for (const m of [1, 2, 5]) if (d * m <= hi * 1.0001) ticks.push(d * m);
    } else {
      const { top, step } = niceScale(Math.max(0, ...ys) * 1.08);
      py = (y) => y0 + panelH - (y / top) * panelH;
      ticks = [];
      for (let k = 0; k * step <= top + step / 2; k++) ticks.push(k * step);
    }
    out.push(`<text x="${x0 + panelW / 2}" y="${y0 - 12}" text-anchor="middle" font-size="14" font-weight="bold">${esc(panel.title)}</text>`);
    ticks.forEach((v, k) => {
      const y = py(v).toFixed(1);
      out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + panelW}" y2="${y}" stroke="#d0d7de" stroke-width="${k === 0 ? 1.2 : 0.6}"/>`);
      out.push(`<text x="${x0 - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#57606a">${esc(compact(v))}</text>`);
    });
    out.push(`<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 + panelH}" stroke="#8c959f"/>`);
    c.xValues.forEach((xv, i) => {
      out.push(`<line x1="${px(i)}" y1="${y0 + panelH}" x2="${px(i)}" y2="${y0 + panelH + 5}" stroke="#8c959f"/>`);
      out.push(`<text x="${px(i)}" y="${y0 + panelH + 19}" text-anchor="middle">${esc(xv)}</text>`);
    });
    out.push(`<text x="${x0 + panelW / 2}" y="${y0 + panelH + 40}" text-anchor="middle" fill="#57606a">${esc(c.xLabel)}</text>`);
    const ly = y0 + panelH / 2;
    out.push(`<text x="${x0 - 54}" y="${ly}" text-anchor="middle" fill="#57606a" transform="rotate(-90 ${x0 - 54} ${ly})">${esc(panel.yLabel)}</text>`);
    const labels = [];
    panel.series.forEach((s) => {
      const color = colorOf.get(s.name);
      const pts = s.points
        .map((p) => ({ i: c.xValues.indexOf(p.x), y: p.y }))
        .filter((p) => p.i >= 0 && valid(p.y))
        .sort((a, b) => a.i - b.i);
      if (pts.length > 1) {
        const d = pts.map((p, k) => `${k ? 'L' : 'M'}${px(p.i).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
        out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.2"/>`);
      }
      for (const p of pts) {
        const cx = px(p.i);
        const cy = py(p.y);
        out.push(`<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="3.8" fill="${color}"/>`);
        labels.push({ cx, cy, i: p.i, text: fmt(p.y), color });
      }
    });
    // Labels last, over every line and point, placed so that none overlaps another.
    const placed = placeLabels(labels, { last: n - 1, lo: y0 + LABEL_H / 2, hi: y0 + panelH - LABEL_H / 2 });
    labels.forEach((label, k) => {
      const { x, y, anchor } = placed[k];
      if (Math.abs(y - label.cy) > LABEL_H / 2) {
        // Moved off its point: a leader from the point to the near end of the label.
        out.push(`<line x1="${label.cx.toFixed(1)}" y1="${label.cy.toFixed(1)}" x2="${x.toFixed(1)}" y2="${y.toFixed(1)}" ` +
          `stroke="${label.color}" stroke-width="0.8" stroke-opacity="0.7"/>`);
      }
      out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" dominant-baseline="middle" font-size="${LABEL_FONT}" ` +
        `fill="${label.color}" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${esc(label.text)}</text>`);
    });
  });

  let lx = margin.left;
  const legendY = margin.top + panelH + margin.bottom + 8;
  for (const name of seriesNames) {
    const color = colorOf.get(name);
    out.push(`<line x1="${lx}" y1="${legendY}" x2="${lx + 22}" y2="${legendY}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 28}" y="${legendY}" dominant-baseline="middle">${esc(name)}</text>`);
    lx += 40 + name.length * 7;
  }
  notes.forEach((note, i) => {
    out.push(`<text x="${margin.left}" y="${legendY + 24 + i * 16}" fill="#57606a" font-size="11">${esc(note)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

module.exports = { lineChartSvg, niceScale, compact, placeLabels, spread, textWidth };
