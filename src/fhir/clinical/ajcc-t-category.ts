/**
 * Recognising an AJCC primary-tumour (T) category in a code, display or text.
 *
 * AJCC Cancer Staging Manual, 8th edition, breast chapter: clinical categories are written with
 * a "c" prefix (cT2) or none (T2) and may carry a subcategory (T1mi, T1a–c, T4a–d). "p" marks a
 * pathological and "y" a post-therapy category; neither is the pre-treatment clinical category
 * the model was trained on, so they are recognised only to be refused with a reason.
 */
import type { TCategory } from '../clinical-inputs.ts';

export type TCategoryParse =
  /** A T1–T4 clinical category. */
  | { kind: 'category'; value: TCategory; form: string }
  /** T0, Tis or TX: no invasive primary measurable, outside the model's training population. */
  | { kind: 'out-of-scope'; value: 'T0' | 'Tis' | 'TX'; form: string }
  /** A pathological (pT), post-therapy (ycT, ypT), recurrence (rT) or autopsy (aT) category. */
  | { kind: 'not-clinical'; value: string; form: string };

// Token boundaries keep "T2" from matching inside words or codes such as "T2WI".
const T_TOKEN = /(?<![A-Za-z0-9])([yra]?)([cp]?)T(is|X|[0-4])(mi|[a-d])?(?![A-Za-z0-9])/gi;

function classify(prefixY: string, prefixCp: string, core: string, form: string): TCategoryParse {
  const upper = core.toUpperCase();
  const normalCore = upper === 'IS' ? 'is' : upper;
  if (prefixY !== '' || prefixCp.toLowerCase() === 'p') {
    return {
      kind: 'not-clinical',
      value: `${prefixY.toLowerCase()}${prefixCp.toLowerCase()}T${normalCore}`,
      form,
    };
  }
  if (normalCore === '0' || normalCore === 'is' || normalCore === 'X') {
    return { kind: 'out-of-scope', value: `T${normalCore}` as 'T0' | 'Tis' | 'TX', form };
  }
  return { kind: 'category', value: `T${normalCore}` as TCategory, form };
}

/** Every T category written in the text, in order of appearance. */
export function parseTCategories(text: string): TCategoryParse[] {
  return [...text.matchAll(T_TOKEN)].map((m) => classify(m[1] ?? '', m[2] ?? '', m[3] ?? '', m[0]));
}
