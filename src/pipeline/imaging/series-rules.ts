/**
 * The bundle's series selection rules (manifest `seriesSelection`): per sequence the model needs
 * (DCE, T2, DWI, …), how the locator recognises its series in a study. DICOM attributes come
 * first — Temporal Position Identifier (0020,0100) for the DCE phase, Diffusion b-value
 * (0018,9087) for DWI, Echo Time (0018,0081) — and the Series Description pattern is the fallback
 * for series those attributes do not tell apart. docs/imaging-pipeline.md describes each key.
 */
import { z } from 'zod';

const regexSource = z.string().superRefine((s, ctx) => {
  try {
    toRegExp(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid pattern: ${(e as Error).message}` });
  }
});

export const sequenceRuleSchema = z.strictObject({
  /** Modality (0008,0060) every series of the sequence must have. */
  modality: z.string().min(1).default('MR'),
  /** Body Part Examined (0018,0015) values accepted when a series states one. */
  bodyPart: z.array(z.string().min(1)).min(1).default(['BREAST']),
  /** The DCE phase the ROI must be drawn on (Temporal Position Identifier). */
  temporalPositionIdentifier: z.number().int().positive().optional(),
  /** The DWI b value the ROI must be drawn on, s/mm². */
  diffusionBValue: z.number().nonnegative().optional(),
  /** Smallest Echo Time (ms) of the sequence, e.g. 60 for T2-weighted. */
  echoTimeMinMs: z.number().positive().optional(),
  /** Series Description pattern (ECMAScript; a leading "(?i)" makes it case-insensitive). */
  seriesDescription: regexSource.optional(),
  /** Smallest ROI volume (mm³) the model was validated for; smaller ROIs are refused. */
  minRoiVolumeMm3: z.number().nonnegative().default(0),
});

export type SequenceRule = z.infer<typeof sequenceRuleSchema>;

export const seriesSelectionSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), sequenceRuleSchema);
export type SeriesSelectionRules = z.infer<typeof seriesSelectionSchema>;

export class SeriesRuleError extends Error {
  override name = 'SeriesRuleError';
}

/** The rules of a manifest, validated; a bundle whose rules do not parse cannot be served. */
export function parseSeriesSelection(raw: unknown, sequences: readonly string[]): SeriesSelectionRules {
  const parsed = seriesSelectionSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${['seriesSelection', ...i.path].join('.')}: ${i.message}`,
    );
    throw new SeriesRuleError(`invalid series selection rules: ${issues.join('; ')}`);
  }
  const missing = sequences.filter((s) => !parsed.data[s]);
  if (missing.length > 0) throw new SeriesRuleError(`seriesSelection has no rule for ${missing.join(', ')}`);
  return parsed.data;
}

/** A pattern as written in the manifest: PCRE's leading "(?i)" becomes the JavaScript `i` flag. */
export function toRegExp(source: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), 'i') : new RegExp(source);
}

/** What a rule asks of the instances the ROI was drawn on, in words for messages. */
export function describeRule(sequence: string, rule: SequenceRule): string {
  const parts = [rule.modality];
  if (rule.temporalPositionIdentifier !== undefined)
    parts.push(`temporal position ${rule.temporalPositionIdentifier}`);
  if (rule.diffusionBValue !== undefined) parts.push(`b = ${rule.diffusionBValue} s/mm²`);
  if (rule.echoTimeMinMs !== undefined) parts.push(`echo time ≥ ${rule.echoTimeMinMs} ms`);
  if (rule.seriesDescription !== undefined) parts.push(`description /${rule.seriesDescription}/`);
  return `${sequence} (${parts.join(', ')})`;
}

/** Whether the rule names any DICOM attribute (so attributes, not the description, decide). */
export function hasAttributeCriteria(rule: SequenceRule): boolean {
  return (
    rule.temporalPositionIdentifier !== undefined ||
    rule.diffusionBValue !== undefined ||
    rule.echoTimeMinMs !== undefined
  );
}
