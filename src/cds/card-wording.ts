import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodIssues } from '../config/config.ts';

const coding = z.strictObject({
  system: z.string().min(1),
  code: z.string().min(1),
  display: z.string().min(1),
});
const text = z.string().min(1);
const byThreshold = z.strictObject({ above: text, below: text, none: text });

const wordingSchema = z.strictObject({
  source: z.strictObject({ label: text, topic: coding }),
  overrideReasons: z.array(coding).min(1),
  prediction: z.strictObject({
    summary: byThreshold,
    meaning: byThreshold,
    detail: text,
    thresholdLine: z.strictObject({ present: text, none: text }),
    limitations: z.strictObject({ clinical: text, default: text }),
  }),
  cannotCompute: z.strictObject({ summary: text, detail: text }),
  imaging: z.strictObject({
    inputsLine: text,
    inProgress: z.strictObject({ summary: text, detail: text }),
    unavailable: z.strictObject({ summary: text, detail: text }),
    fallback: z.strictObject({ summary: text, intro: text }),
  }),
});

/** The card texts of `cds-hooks/cards.yaml`: clinicians' wording lives there, not in code. */
export type CardWording = z.infer<typeof wordingSchema>;

export function loadCardWording(dir: string): CardWording {
  const file = path.join(dir, 'cards.yaml');
  const parsed = wordingSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`invalid card wording ${file}: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Fills `{{name}}` placeholders. A placeholder without a value is a programming error, thrown
 * rather than rendered as an empty gap on a clinician's screen.
 */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`card wording placeholder {{${name}}} has no value`);
    return v;
  });
}
