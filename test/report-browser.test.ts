/**
 * The HTML reports in a real browser (Debian chromium driven by playwright-core), offline: every
 * request other than the report file itself is aborted and recorded, and none may be attempted.
 * (The report's own Content-Security-Policy blocks a stray reference before any request; the
 * browser then logs a console error, and console errors fail the test too.)
 * Each expected plot must be present and actually drawn: a non-empty box on the page, marks with
 * non-empty geometry (getBBox), and the ROC curve spanning its plot area. One screenshot per
 * report is written to a temporary folder, kept (and its path printed) when AXILLA_KEEP_SCREENSHOTS=1
 * so a human can look at the plots.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { makePredictions, predictionsCsv } from '../src/evaluate/predictions-fixture.test-helper.ts';
import { renderTrainingReport } from '../src/report/html-report.ts';
import { makeTrainingReport } from '../src/report/training-report-fixture.test-helper.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const KEEP = process.env.AXILLA_KEEP_SCREENSHOTS === '1';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PlotCheck {
  kind: string;
  title: string;
  width: number;
  height: number;
  /** Drawn marks (path, circle, rect, line, polygon) whose getBBox has a non-zero width or height. */
  marks: number;
  axisLabels: number;
  /** Per ROC curve: its bounding box as a fraction of the plot area's (x0, y0, x1, y1). */
  rocSpan: [number, number, number, number][];
}

/**
 * Runs in the page (as a string: the project compiles without the DOM library): what each
 * `svg[data-plot]` looks like once laid out.
 */
const INSPECT_PLOTS = `(() => [...document.querySelectorAll('svg[data-plot]')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('path, circle, rect, line, polygon, polyline')].filter((el) => {
    const b = el.getBBox();
    return b.width > 0 || b.height > 0;
  }).length;
  const area = svg.querySelector('.plot-area');
  const a = area ? area.getBBox() : null;
  const rocSpan = [...svg.querySelectorAll('.roc-curve')].map((el) => {
    const b = el.getBBox();
    if (!a) return [NaN, NaN, NaN, NaN];
    return [(b.x - a.x) / a.width, (b.y - a.y) / a.height, (b.x + b.width - a.x) / a.width, (b.y + b.height - a.y) / a.height];
  });
  return {
    kind: svg.getAttribute('data-plot') || '',
    title: (svg.querySelector(':scope > title') || {}).textContent || '',
    width: box.width,
    height: box.height,
    marks,
    axisLabels: svg.querySelectorAll('.axis-label, .row-label, .column-label').length,
    rocSpan,
  };
}))()`;

/** Fewest drawn marks a rendered plot of each kind has (axes, ticks and the data). */
const MIN_MARKS: Record<string, number> = {
  roc: 12,
  calibration: 12,
  'decision-curve': 10,
  'lasso-path': 10,
  'lasso-cv': 40,
  'spearman-heatmap': 64,
  nomogram: 30,
};

describe(
  'HTML reports in Chromium',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (Debian package chromium)` },
  () => {
    let dir: string;
    let browser: Browser;
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'axilla-report-browser-'));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    });
    after(async () => {
      await browser?.close();
      // With AXILLA_KEEP_SCREENSHOTS=1 the screenshots (and reports) stay for a human to look at.
      if (!KEEP) rmSync(dir, { recursive: true, force: true });
    });

    /** Opens a report offline, returns the plots found and the requests that were attempted. */
    async function open(file: string, screenshot: string) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const url = pathToFileURL(file).href;
      const attempted: string[] = [];
      await context.route('**/*', (route) => {
        if (route.request().url() === url) return route.continue();
        attempted.push(route.request().url());
        return route.abort();
      });
      const page = await context.newPage();
      page.on('request', (r) => {
        if (r.url() !== url && !attempted.includes(r.url())) attempted.push(r.url());
      });
      const consoleErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await page.goto(url, { waitUntil: 'load' });
      const plots = (await page.evaluate(INSPECT_PLOTS)) as PlotCheck[];
      await page.screenshot({ path: screenshot, fullPage: true });
      await context.close();
      return { plots, attempted, consoleErrors };
    }

    function assertRendered(plots: PlotCheck[], expected: Record<string, number>) {
      const counts: Record<string, number> = {};
      for (const p of plots) counts[p.kind] = (counts[p.kind] ?? 0) + 1;
      assert.deepEqual(counts, expected);
      for (const p of plots) {
        const what = `${p.kind} "${p.title}"`;
        assert.ok(p.title.length > 0, `${what}: has a <title>`);
        assert.ok(p.width > 100 && p.height > 100, `${what}: laid out at ${p.width}×${p.height}`);
        assert.ok(
          p.marks >= MIN_MARKS[p.kind]!,
          `${what}: ${p.marks} drawn marks, expected ≥ ${MIN_MARKS[p.kind]}`,
        );
        assert.ok(p.axisLabels >= 2, `${what}: axis labels`);
      }
      for (const p of plots.filter((q) => q.kind === 'roc')) {
        assert.ok(p.rocSpan.length >= 1, 'a ROC curve is drawn');
        // From (0, 0) at the bottom left to (1, 1) at the top right of the plot area.
        for (const span of p.rocSpan)
          span.forEach((v, k) =>
            assert.ok(
              Math.abs(v - (k < 2 ? 0 : 1)) < 0.01,
              `ROC curve spans the plot area: ${span.join(', ')}`,
            ),
          );
      }
    }

    it('evaluation report from `axilla evaluate --out`: ROC, calibration and decision curve drawn, no request', async (t) => {
      const csv = path.join(dir, 'predictions.csv');
      writeFileSync(csv, predictionsCsv(makePredictions('report-browser', 150)));
      const html = path.join(dir, 'evaluation.html');
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(ROOT, 'src/cli/main.ts'),
          'evaluate',
          '--predictions',
          csv,
          '--outcome',
          'apcr',
          '--score',
          'model_a',
          '--score',
          'model_b',
          '--score',
          'radscore',
          '--resamples',
          '500',
          '--out',
          html,
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const shot = path.join(dir, 'evaluation.png');
      const { plots, attempted, consoleErrors } = await open(html, shot);
      if (KEEP) t.diagnostic(`screenshot: ${shot}`);
      assert.deepEqual(attempted, [], 'no network request');
      assert.deepEqual(consoleErrors, []);
      assertRendered(plots, { roc: 1, calibration: 1, 'decision-curve': 1 });
      // Three scores: three ROC curves, each with its band.
      assert.equal(plots.find((p) => p.kind === 'roc')!.rocSpan.length, 3);
    });

    it('training report: every plot kind drawn, no request', async (t) => {
      const html = path.join(dir, 'training.html');
      writeFileSync(html, renderTrainingReport(makeTrainingReport()));
      const shot = path.join(dir, 'training.png');
      const { plots, attempted, consoleErrors } = await open(html, shot);
      if (KEEP) t.diagnostic(`screenshot: ${shot}`);
      assert.deepEqual(attempted, [], 'no network request');
      assert.deepEqual(consoleErrors, []);
      assertRendered(plots, {
        'lasso-path': 1,
        'lasso-cv': 1,
        nomogram: 1,
        'spearman-heatmap': 1,
        roc: 2,
        calibration: 2,
        'decision-curve': 2,
      });
    });
  },
);
