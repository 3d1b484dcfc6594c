/** Deep-feature inputs of a synthetic study, shared by the deep-feature tests and bench/deep. */
import type { StudyImages } from '../synth/patient-images.ts';
import type { DeepFeatureInputs } from './deep-features.ts';

/** First post-contrast DCE phase (R), highest b value (G), T2 (B), and the DCE ROI. */
export function studyInputs(study: StudyImages): DeepFeatureInputs {
  const highestB = study.dwi.b.reduce((a, b) => (b.bValue > a.bValue ? b : a));
  return {
    dce: study.dce.phases[1]!.volume,
    dwi: highestB.volume,
    t2: study.t2.volume,
    mask: study.dce.mask,
  };
}
