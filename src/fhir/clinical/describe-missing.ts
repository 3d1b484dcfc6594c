import type { ClinicalInputName, MissingInput } from '../clinical-inputs.ts';

/** How the card names each input. */
export const CLINICAL_INPUT_LABELS: Readonly<Record<ClinicalInputName, string>> = {
  ER: 'ER status',
  PR: 'PR status',
  HER2: 'HER2 status',
  Ki67: 'Ki-67 index',
  cT: 'Clinical T category',
  NAT: 'Neoadjuvant therapy',
};

/**
 * One sentence per missing input for the "cannot compute" card, e.g.
 * "ER status: no final result recorded." The reason is kept verbatim: it names the resources
 * the clinician has to look at (DESIGN §6 rule 1: say what is missing).
 */
export function describeMissing(missing: readonly MissingInput[]): string[] {
  return missing.map((m) => {
    const sentence = `${CLINICAL_INPUT_LABELS[m.input]}: ${m.reason}`;
    return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
  });
}
