import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  ageAt,
  calibrateIntercept,
  CLINICAL_FEATURE_NAMES,
  clinicalApcrProbability,
  clinicalCells,
  defaultGeneratingModel,
  drawPatient,
  expectedApcrRate,
  type SyntheticPatient,
} from './generating-model.ts';
import { createRng } from './random.ts';

// Published multivariable odds ratios (Li et al. 2026, doi 10.2147/BCTT.S568337), typed here
// independently of the code under test.
const PUBLISHED_OR = { ER_positive: 0.27, HER2_positive: 5.9, cT_T2: 0.191, cT_T3: 0.112, cT_T4: 0.083 };

const model = defaultGeneratingModel();
const N = 20_000;
let cohortCache: SyntheticPatient[] | undefined;
function cohort(): SyntheticPatient[] {
  cohortCache ??= Array.from({ length: N }, (_, i) =>
    drawPatient(model, createRng('generating-model-test'), i),
  );
  return cohortCache;
}

/** Area under the ROC curve (Mann–Whitney, ties counted ½). */
function auc(scores: readonly number[], labels: readonly boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) j += 1;
    for (let k = i; k < j; k += 1) ranks[order[k]!] = (i + j + 1) / 2;
    i = j;
  }
  let positives = 0;
  let rankSum = 0;
  labels.forEach((y, i) => {
    if (y) {
      positives += 1;
      rankSum += ranks[i]!;
    }
  });
  const negatives = labels.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Maximum-likelihood logistic regression by Newton–Raphson; returns coefficients and standard errors. */
function logisticFit(x: number[][], y: boolean[]): { beta: number[]; se: number[] } {
  const p = x[0]!.length;
  let beta = new Array<number>(p).fill(0);
  let info: number[][] = [];
  for (let iter = 0; iter < 30; iter += 1) {
    const grad = new Array<number>(p).fill(0);
    info = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    x.forEach((row, n) => {
      const z = row.reduce((s, v, k) => s + v * beta[k]!, 0);
      const mu = 1 / (1 + Math.exp(-z));
      const w = mu * (1 - mu);
      for (let a = 0; a < p; a += 1) {
        grad[a]! += row[a]! * ((y[n] ? 1 : 0) - mu);
        for (let b = 0; b < p; b += 1) info[a]![b]! += w * row[a]! * row[b]!;
      }
    });
    const step = solve(info, grad);
    beta = beta.map((b, k) => b + step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  const se = beta.map((_, k) =>
    Math.sqrt(
      solve(
        info,
        beta.map((__, j) => (j === k ? 1 : 0)),
      )[k]!,
    ),
  );
  return { beta, se };
}

/** Solves A x = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < n; r += 1) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = c + 1; r < n; r += 1) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k += 1) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r -= 1) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k += 1) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

const clinicalRow = (p: SyntheticPatient): number[] => [
  1,
  ...CLINICAL_FEATURE_NAMES.map((f) => p.features[f]),
];

test('the default model uses the published odds ratios and the shipped bundle’s covariate distribution', () => {
  for (const [name, or] of Object.entries(PUBLISHED_OR)) {
    assert.equal(model.outcome.coefficients[name as keyof typeof PUBLISHED_OR], Math.log(or), name);
  }
  assert.equal(model.outcome.coefficients.latentResponse, 1.5);
  assert.equal(model.outcome.targetApcrRate, 0.567);
  assert.deepEqual(model.clinical.cT, { T1: 0.15, T2: 0.55, T3: 0.2, T4: 0.1 });
  assert.equal(model.clinical.erPositive, 0.6);
  assert.equal(model.clinical.her2Positive, 0.35);
  // With βr = 0 the calibration is the shipped clinical bundle's: same cells, same target.
  const manifest = JSON.parse(
    readFileSync(new URL('../../models/clinical-literature/1.0.0/manifest.json', import.meta.url), 'utf8'),
  ) as { coefficients: { intercept: number } };
  const noLatent = defaultGeneratingModel({ latentEffect: 0 });
  assert.ok(Math.abs(noLatent.outcome.intercept - manifest.coefficients.intercept) < 1e-8);
});

test('the model is JSON: it round-trips and recalibrates to the same intercept', () => {
  const copy = JSON.parse(JSON.stringify(model)) as typeof model;
  assert.deepEqual(copy, model);
  assert.ok(Math.abs(calibrateIntercept(copy) - model.outcome.intercept) < 1e-8);
  assert.ok(Math.abs(expectedApcrRate(model) - 0.567) < 1e-8);
});

test('calibration: mean predicted apCR over 20 000 simulated patients is 0.57 ± 0.01', () => {
  const patients = cohort();
  const meanP = patients.reduce((s, p) => s + p.apcrProbability, 0) / N;
  const rate = patients.filter((p) => p.apcr).length / N;
  console.log(
    `b0 = ${model.outcome.intercept.toFixed(4)}; mean P(apCR) = ${meanP.toFixed(4)}; observed rate = ${rate.toFixed(4)}`,
  );
  assert.ok(Math.abs(meanP - 0.57) <= 0.01, `mean predicted ${meanP}`);
  assert.ok(Math.abs(meanP - model.outcome.targetApcrRate) < 0.01);
  // Observed outcomes: binomial SE ≈ 0.0035.
  assert.ok(Math.abs(rate - model.outcome.targetApcrRate) < 0.015, `observed rate ${rate}`);
  // P(apCR | clinical) averages to the same rate.
  const meanClinical = patients.reduce((s, p) => s + p.clinicalApcrProbability, 0) / N;
  assert.ok(Math.abs(meanClinical - meanP) < 0.01);
});

test('a logistic fit on clinical variables and r recovers ln(OR) and βr within Monte-Carlo error', () => {
  const patients = cohort();
  const fit = logisticFit(
    patients.map((p) => [...clinicalRow(p), p.latentResponse]),
    patients.map((p) => p.apcr),
  );
  const names = [...CLINICAL_FEATURE_NAMES, 'latentResponse'] as const;
  names.forEach((name, k) => {
    const want = model.outcome.coefficients[name];
    const got = fit.beta[k + 1]!;
    const se = fit.se[k + 1]!;
    console.log(`${name}: fitted ${got.toFixed(3)} ± ${se.toFixed(3)}, true ${want.toFixed(3)}`);
    assert.ok(Math.abs(got - want) < 3.5 * se, `${name}: ${got} vs ${want} (SE ${se})`);
  });
  assert.ok(Math.abs(fit.beta[0]! - model.outcome.intercept) < 3.5 * fit.se[0]!);
});

test('with r marginalised, each clinical stratum has the apCR rate the model predicts', () => {
  const patients = cohort();
  for (const cell of clinicalCells(model)) {
    const members = patients.filter((p) =>
      CLINICAL_FEATURE_NAMES.every((f) => p.features[f] === cell.features[f]),
    );
    if (members.length < 50) continue;
    const expected = clinicalApcrProbability(model, cell.features);
    const observed = members.filter((p) => p.apcr).length / members.length;
    const se = Math.sqrt((expected * (1 - expected)) / members.length);
    assert.ok(
      Math.abs(observed - expected) < 4 * se,
      `${JSON.stringify(cell.features)}: ${observed} vs ${expected}`,
    );
  }
  // Non-collapsibility: a clinical-only fit finds T-stage effects closer to 0 than ln(OR).
  const fit = logisticFit(
    patients.map(clinicalRow),
    patients.map((p) => p.apcr),
  );
  CLINICAL_FEATURE_NAMES.forEach((name, k) => {
    console.log(
      `clinical-only fit ${name}: OR ${Math.exp(fit.beta[k + 1]!).toFixed(3)} (published ${PUBLISHED_OR[name]})`,
    );
  });
  for (const name of ['cT_T2', 'cT_T3', 'cT_T4'] as const) {
    const k = CLINICAL_FEATURE_NAMES.indexOf(name) + 1;
    assert.ok(fit.beta[k]! > Math.log(PUBLISHED_OR[name]) + 2 * fit.se[k]!, `${name} should be attenuated`);
  }
});

test('imaging carries signal beyond the clinical variables: AUC(clinical + r) exceeds AUC(clinical) by > 0.05', () => {
  const patients = cohort();
  const y = patients.map((p) => p.apcr);
  const clinical = auc(
    patients.map((p) => p.clinicalApcrProbability),
    y,
  );
  const full = auc(
    patients.map((p) => p.linearPredictor),
    y,
  );
  console.log(`expected AUC: clinical only ${clinical.toFixed(3)}, clinical + latent ${full.toFixed(3)}`);
  assert.ok(full - clinical > 0.05, `${full} vs ${clinical}`);
  assert.ok(clinical > 0.7 && clinical < 0.85);
});

test('clinical variables follow their documented distributions', () => {
  const patients = cohort();
  const share = (f: (p: SyntheticPatient) => boolean, of = patients): number =>
    of.filter(f).length / of.length;
  const near = (got: number, want: number, what: string): void =>
    assert.ok(Math.abs(got - want) < 0.015, `${what}: ${got} vs ${want}`);
  near(
    share((p) => p.clinical.er.status === 'positive'),
    0.6,
    'ER+',
  );
  near(
    share((p) => p.clinical.her2.status === 'positive'),
    0.35,
    'HER2+',
  );
  for (const [t, want] of Object.entries(model.clinical.cT))
    near(
      share((p) => p.clinical.cT === t),
      want,
      t,
    );
  for (const [n, want] of Object.entries(model.clinical.cN))
    near(
      share((p) => p.clinical.cN === n),
      want,
      n,
    );
  const erPos = patients.filter((p) => p.clinical.er.status === 'positive');
  const erNeg = patients.filter((p) => p.clinical.er.status === 'negative');
  near(
    share((p) => p.clinical.pr.status === 'positive', erPos),
    0.8,
    'PR+ | ER+',
  );
  near(
    share((p) => p.clinical.pr.status === 'positive', erNeg),
    0.05,
    'PR+ | ER−',
  );
  for (const p of patients.slice(0, 3000)) {
    const { her2, er, pr, ki67Percent } = p.clinical;
    if (her2.ihc === '3+') assert.equal(her2.status, 'positive');
    if (her2.ihc === '0' || her2.ihc === '1+') assert.equal(her2.status, 'negative');
    if (her2.ihc === '2+') assert.equal(her2.ish, her2.status, 'IHC 2+ is resolved by ISH');
    else assert.equal(her2.ish, undefined);
    assert.equal(er.percent >= 1, er.status === 'positive');
    assert.equal(pr.percent >= 1, pr.status === 'positive');
    assert.ok(ki67Percent >= 1 && ki67Percent <= 95);
    assert.ok(p.ageYears >= 25 && p.ageYears <= 80);
  }
  // Ki-67 is higher in ER− tumours.
  const meanKi67 = (of: SyntheticPatient[]): number =>
    of.reduce((s, p) => s + p.clinical.ki67Percent, 0) / of.length;
  assert.ok(meanKi67(erNeg) > meanKi67(erPos) + 5);
});

test('the latent response has mean 0, variance 1 and the documented link to HER2 and ER', () => {
  const patients = cohort();
  const r = patients.map((p) => p.latentResponse);
  const mean = r.reduce((a, b) => a + b, 0) / N;
  const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / N;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.04, `variance ${variance}`);
  const meanOf = (f: (p: SyntheticPatient) => boolean): number => {
    const s = patients.filter(f);
    return s.reduce((a, p) => a + p.latentResponse, 0) / s.length;
  };
  const her2Gap =
    meanOf((p) => p.features.HER2_positive === 1) - meanOf((p) => p.features.HER2_positive === 0);
  const erGap = meanOf((p) => p.features.ER_positive === 1) - meanOf((p) => p.features.ER_positive === 0);
  assert.ok(Math.abs(her2Gap - model.latent.her2PositiveShift) < 0.05, `HER2 gap ${her2Gap}`);
  assert.ok(Math.abs(erGap - model.latent.erPositiveShift) < 0.05, `ER gap ${erGap}`);
});

test('dates are consistent: diagnosis < pre-MRI < NAT start < NAT end < post-MRI < surgery; age matches birth date', () => {
  for (const p of cohort().slice(0, 5000)) {
    const d = p.dates;
    const order = [d.diagnosis, d.preMri, d.natStart, d.natEnd, d.postMri, d.surgery];
    for (const iso of order) assert.match(iso, /^\d{4}-\d{2}-\d{2}$/);
    for (let i = 1; i < order.length; i += 1) assert.ok(order[i - 1]! < order[i]!, `${order.join(' ')}`);
    assert.equal(ageAt(p.birthDate, d.natStart), p.ageYears, `${p.birthDate} → ${d.natStart}`);
  }
});

test('patient k depends on (seed, k) only: not on cohort size, order or other draws', () => {
  const alone = drawPatient(model, createRng('seed-a'), 7);
  const root = createRng('seed-a');
  for (let i = 0; i < 50; i += 1) drawPatient(model, root, i);
  root.uniform();
  assert.deepEqual(drawPatient(model, root, 7), alone);
  assert.deepEqual(drawPatient(model, createRng('seed-a'), 7), alone);
  assert.notDeepEqual(drawPatient(model, createRng('seed-b'), 7), alone);
  assert.notDeepEqual(drawPatient(model, createRng('seed-a'), 8), alone);
  assert.throws(() => drawPatient(model, root, -1), RangeError);
});
