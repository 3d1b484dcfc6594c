import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePredictions } from '../evaluate/evaluate.ts';
import { makePredictions } from '../evaluate/predictions-fixture.test-helper.ts';
import { renderEvaluationReport, renderTrainingReport } from './html-report.ts';
import { makeTrainingReport } from './training-report-fixture.test-helper.ts';

const HOSTILE = '<script>alert("x")</script>&<img src=https://example.org/a.png>';

/** Plot kinds in document order. */
function plotKinds(html: string): string[] {
  return [...html.matchAll(/<svg [^>]*data-plot="([^"]+)"/g)].map((m) => m[1]!);
}

/**
 * Nothing in the file may make a browser fetch: no fetching element, no URL-bearing attribute, no
 * url() other than a local "#fragment" in an attribute or the style sheet, no @import. Escaped
 * text has no "<", so every "<…>" is a real tag; a URL inside text or a data attribute is text.
 */
function assertSelfContained(html: string): void {
  for (const tag of html.match(/<[^>]*>/g) ?? []) {
    assert.doesNotMatch(
      tag,
      /^<(script|link|img|iframe|object|embed|image|use|base|audio|video|source)\b/i,
      tag,
    );
    for (const [, name, value] of tag.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) {
      assert.doesNotMatch(name!, /^(src|href|xlink:href|action|formaction|srcset|poster|background)$/i, tag);
      assert.doesNotMatch(value!, /url\((?!#)/, tag);
    }
  }
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  assert.doesNotMatch(style, /url\(|@import|:\/\//);
}

describe('HTML reports', () => {
  it('evaluation report: ROC, calibration and decision curve; names from the file escaped', () => {
    const p = makePredictions('html-report', 80);
    const result = evaluatePredictions(
      { apcr: p.apcr, [HOSTILE]: p.model_a, radscore: p.radscore },
      { outcome: 'apcr', scores: [HOSTILE, 'radscore'], threshold: 'youden', rocBand: { resamples: 50 } },
    );
    const html = renderEvaluationReport(result, { source: 'x.csv' });
    assert.deepEqual(plotKinds(html), ['roc', 'calibration', 'decision-curve']);
    assertSelfContained(html);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&lt;img'));
    // Every plot has a title and axis labels.
    for (const svg of html.match(/<svg [\s\S]*?<\/svg>/g)!) {
      assert.match(svg, /^<svg [^>]*>\n<title id="[^"]+">[^<]+<\/title>/);
      assert.ok((svg.match(/class="axis-label"/g) ?? []).length >= 2);
    }
  });

  it('training report: every plot kind, escaped feature and model names', () => {
    const report = makeTrainingReport('html-report-training', 50);
    report.spearman.names[0] = HOSTILE;
    report.final.coefficients[1]!.name = HOSTILE;
    report.lasso!.path.coefficients[HOSTILE] = report.lasso!.path.coefficients[report.spearman.names[1]!]!;
    const html = renderTrainingReport(report);
    assert.deepEqual(plotKinds(html), [
      'lasso-path',
      'lasso-cv',
      'nomogram',
      'spearman-heatmap',
      'roc',
      'calibration',
      'decision-curve',
      'roc',
      'calibration',
      'decision-curve',
    ]);
    assertSelfContained(html);
    assert.ok(html.includes('Radiomics–clinical &lt;synthetic&gt;'));
  });

  it('training report without ranges or with many predictors: no nomogram, and says why', () => {
    const report = makeTrainingReport('html-report-no-nomogram', 50);
    delete report.final.coefficients[0]!.range;
    const html = renderTrainingReport(report);
    assert.ok(!plotKinds(html).includes('nomogram'));
    assert.match(html, /No nomogram: the training ranges of radscore are not in the report/);
  });
});
