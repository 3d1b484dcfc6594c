/**
 * Why an imaging model cannot give a number (DESIGN §6.1): each problem has a code the audit and
 * tests use and a message a surgeon can act on. `transient` problems (the PACS did not answer)
 * are worth retrying; the others need the data fixed.
 */
export type ImagingProblemCode =
  | 'nat-ongoing'
  | 'no-pre-study'
  | 'no-post-study'
  | 'post-before-nat-end'
  | 'wrong-modality'
  | 'wrong-body-part'
  | 'missing-sequence'
  | 'missing-seg'
  | 'ambiguous-series'
  | 'seg-mismatch'
  | 'empty-roi'
  | 'roi-too-small'
  | 'corrupt-dicom'
  | 'pacs-unavailable';

export interface ImagingProblem {
  code: ImagingProblemCode;
  message: string;
  timePoint?: 'pre' | 'post';
  sequence?: string;
}

/** Thrown by the imaging stages; carries every problem found, not only the first. */
export class ImagingGateError extends Error {
  override name = 'ImagingGateError';
  constructor(readonly problems: ImagingProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }

  /** The PACS could not be reached: the same request may succeed later. */
  get transient(): boolean {
    return this.problems.every((p) => p.code === 'pacs-unavailable');
  }
}

export function gate(problem: ImagingProblem): ImagingGateError {
  return new ImagingGateError([problem]);
}

export const TIME_POINT_WORDS = { pre: 'pre-NAT', post: 'post-NAT' } as const;
