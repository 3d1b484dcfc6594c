/**
 * Seeded synthetic predictions for the evaluate tests: an outcome drawn from a logistic model of a
 * latent signal, and scores of different quality — two probabilities (a good and a weaker model,
 * correlated through the shared signal) and a linear predictor that is not a probability.
 */
import { createRng } from '../synth/random.ts';

export interface PredictionsFixture {
  apcr: number[];
  model_a: number[];
  model_b: number[];
  radscore: number[];
}

function normal(rng: ReturnType<typeof createRng>): number {
  return Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

const logistic = (v: number) => 1 / (1 + Math.exp(-v));

export function makePredictions(seed: string, n: number): PredictionsFixture {
  const rng = createRng(seed);
  const out: PredictionsFixture = { apcr: [], model_a: [], model_b: [], radscore: [] };
  for (let i = 0; i < n; i += 1) {
    const signal = normal(rng);
    const y = rng.uniform() < logistic(-0.2 + 1.6 * signal) ? 1 : 0;
    const lpA = -0.2 + 1.4 * (signal + 0.4 * normal(rng));
    const lpB = -0.1 + 0.9 * (signal + 1.1 * normal(rng));
    out.apcr.push(y);
    // Rounded as a CSV writer would, with a few ties.
    out.model_a.push(Number(logistic(lpA).toFixed(3)));
    out.model_b.push(Number(logistic(lpB).toFixed(2)));
    out.radscore.push(Number(lpA.toFixed(4)));
  }
  return out;
}

/** CSV text with an id column the evaluation ignores. */
export function predictionsCsv(p: PredictionsFixture): string {
  const lines = ['patient_id,apcr,model_a,model_b,radscore'];
  p.apcr.forEach((y, i) =>
    lines.push(`P${String(i + 1).padStart(4, '0')},${y},${p.model_a[i]},${p.model_b[i]},${p.radscore[i]}`),
  );
  return `${lines.join('\n')}\n`;
}
