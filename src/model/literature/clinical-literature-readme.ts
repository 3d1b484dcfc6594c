/**
 * README.md of the literature-derived clinical bundle, generated from the same numbers as the
 * model so the document cannot drift from the classifier it describes.
 */
import { meanPredictedProbability, sigmoid } from './calibrate-intercept.ts';
import type { ClinicalLiteratureModel } from './clinical-literature.ts';
import {
  ASSUMED_COVARIATE_FACTORS,
  ASSUMPTION_STATEMENT,
  LI_2026,
  PUBLISHED_ODDS_RATIOS,
  REPORTED_APCR_RATE,
} from './li-2026.ts';

const percent = (p: number): string => `${(p * 100).toFixed(1)} %`;

export function clinicalLiteratureReadme(
  model: ClinicalLiteratureModel,
  bundle: { id: string; version: string },
): string {
  const coefficientRows = model.inputNames.map((name, i) => {
    const or = PUBLISHED_ODDS_RATIOS[name as keyof typeof PUBLISHED_ODDS_RATIOS];
    return `| \`${name}\` | ${or} | ${(model.weights[i] ?? NaN).toFixed(6)} |`;
  });
  const factorRows = ASSUMED_COVARIATE_FACTORS.map(
    (f) => `| ${f.name} | ${f.levels.map((l) => `${l.label} ${percent(l.probability)}`).join(', ')} |`,
  );
  const cellRows = model.cells.map((cell) => {
    const z = cell.features.reduce((acc, x, i) => acc + (model.weights[i] ?? 0) * x, model.intercept);
    const { ER, HER2, cT } = cell.labels;
    return `| ${ER} | ${HER2} | ${cT} | ${percent(cell.probability)} | ${percent(sigmoid(z))} |`;
  });
  const mean = meanPredictedProbability(model.intercept, model.weights, model.cells);

  return `# ${bundle.id} ${bundle.version}: clinical apCR model, literature-derived

> **Status: literature-derived, not validated.** No AUC, calibration or decision threshold is
> available for this model. It is decision support, not a diagnosis.

## Intended use

Decision support when planning axillary management after neoadjuvant therapy (NAT) in adults
with biopsy-proven node-positive breast cancer. It estimates the probability of axillary
pathological complete response (apCR) from three clinical findings known before NAT:
ER status, HER2 status and clinical T category (cT1 to cT4). It does not replace surgical
axillary staging or the multidisciplinary team decision. It does not apply to cT0, Tis or TX,
and it must not be given a probability when any of the three inputs is unknown.

## Source

${LI_2026.citation} doi:[${LI_2026.doi}](https://doi.org/${LI_2026.doi})

The study reports ER status, HER2 status and clinical T stage as independent clinical predictors
of apCR, with the odds ratios below, and an apCR rate of ${percent(REPORTED_APCR_RATE)}.

## Model

P(apCR) = 1 / (1 + exp(−(b + Σ wᵢ xᵢ))), inputs in this order (the classifier's input
\`features\` is a [N, 5] float64 tensor; output \`probability\` is [N, 1]):

| input | published odds ratio | weight w = ln(OR) |
| --- | --- | --- |
${coefficientRows.join('\n')}

Indicators are 1 or 0; clinical T categories are compared with cT1 (all three T indicators 0).

Intercept b = ${model.intercept.toFixed(12)}.

## How the intercept was set, and the assumption behind it

Odds ratios fix the slopes but not the intercept, which depends on the mix of patients in the
study. ${ASSUMPTION_STATEMENT}

| factor | assumed distribution |
| --- | --- |
${factorRows.join('\n')}

b was solved by bisection (bracket narrower than 1e-12) so that the mean predicted probability
over the ${model.cells.length} cells of this distribution equals ${REPORTED_APCR_RATE}
(achieved: ${mean.toFixed(12)}). The same distribution is recorded in \`manifest.json\` under
\`trainingData.assumedCovariateDistribution\`.

Predicted probability for every combination:

| ER | HER2 | cT | assumed share | P(apCR) |
| --- | --- | --- | --- | --- |
${cellRows.join('\n')}

## Limitations

- Not validated: neither discrimination nor calibration of this formula has been measured on any
  patient. Absolute probabilities depend on the assumed covariate mix above.
- Only the clinical part of the study's models is used; the imaging (radiomics and deep learning)
  models are not part of this bundle.
- The odds ratios come from one retrospective single-centre cohort.
- No decision threshold is given; the manifest says \`"threshold": "not available"\`.

## Files and verification

\`manifest.json\` lists \`classifier.onnx\` and this README with their SHA-256; \`manifest.jws\` is
a detached JWS over the manifest bytes, verified against \`models/trusted-publishers.jwks.json\`.
See docs/model-bundles.md.

To rebuild and re-sign (needs the publisher's private key, which is never committed):

    npx tsx src/model/literature/build.ts --key /path/to/axilla-cds-publisher-2026-11.private.jwk.json
`;
}
