'use strict';
/**
 * Line charts as standalone SVG text (no dependencies, viewable in any browser or Markdown renderer).
 *
 * One chart holds side-by-side panels that share an x axis of a few discrete values (e.g. concurrency 10,
 * 100, 1000), spaced evenly, i.e. logarithmically for such values. Each panel has its own y axis, from 0 to
 * a rounded maximum or logarithmic over whole decades (for latencies that grow 100-fold), one line per
 * series, and the value printed above every point.
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

/** 12345 -> '12.3k', 1500000 -> '1.5M'; small values keep up to one decimal. */
function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return `${+v.toFixed(a >= 10 ? 0 : 1)}`;
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
    panel.series.forEach((s, si) => {
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
        const cx = px(p.i).toFixed(1);
        const cy = py(p.y);
        out.push(`<circle cx="${cx}" cy="${cy.toFixed(1)}" r="3.8" fill="${color}"/>`);
        // Even series label above their points, odd ones below, so close values of two series stay readable.
        const tier = Math.floor(si / 2) * 12;
        const labelY = si % 2 === 0 ? cy - 8 - tier : cy + 16 + tier;
        out.push(`<text x="${cx}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10" fill="${color}">${esc(fmt(p.y))}</text>`);
      }
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

module.exports = { lineChartSvg, niceScale, compact };
