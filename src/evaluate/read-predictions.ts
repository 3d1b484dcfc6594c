/**
 * Reads the predictions CSV of `axilla evaluate`: a header line, one row per patient, an outcome
 * column and one or more score columns (other columns are ignored). Nothing is dropped or
 * guessed: an empty, non-numeric or out-of-range cell refuses the whole file with a one-line
 * reason naming the file, the row (1-based, counting data rows after the header; the physical
 * line is given too) and the column, because silently excluding patients changes every figure.
 *
 * Outcome cells: `0` / `1` (any spelling that parses to exactly 0 or 1, such as `1.0`) or
 * `true` / `false` in any letter case (R writes TRUE/FALSE, pandas True/False); 1 / true is the
 * event (apCR). Score cells: finite decimal numbers.
 */
import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';

/** A predictions file the evaluation cannot use; the message is one line naming where and why. */
export class PredictionsError extends Error {
  override name = 'PredictionsError';
}

export interface PredictionColumns {
  outcome: string;
  scores: readonly string[];
}

/** The columns asked for, by name; the outcome as 0/1, scores as finite numbers, in file order. */
export interface PredictionTable {
  /** File name (or another label of the source) used in messages. */
  source: string;
  n: number;
  columns: Record<string, Float64Array>;
}

/** Fewest rows of each outcome class DeLong's variance (a variance over each class) needs. */
export const MIN_ROWS_PER_CLASS = 2;

function parseOutcome(cell: string): 0 | 1 | null {
  const lower = cell.toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  const v = Number(cell);
  return v === 0 ? 0 : v === 1 ? 1 : null;
}

/** Parses CSV text; `source` names the file in messages. */
export function parsePredictions(text: string, source: string, wanted: PredictionColumns): PredictionTable {
  if (wanted.scores.length === 0) throw new PredictionsError('no score column given (--score COL)');
  const seen = new Set<string>();
  for (const s of wanted.scores) {
    if (s === wanted.outcome) throw new PredictionsError(`score column "${s}" is the outcome column`);
    if (seen.has(s)) throw new PredictionsError(`score column "${s}" is given twice`);
    seen.add(s);
  }

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as typeof records;
  } catch (err) {
    if (err instanceof CsvError)
      throw new PredictionsError(`${source}: not a valid CSV file: ${err.message}`);
    throw err;
  }
  const header = records[0]?.record;
  if (header === undefined) throw new PredictionsError(`${source}: empty file, expected a header line`);

  const index = (name: string): number => {
    const at = header.indexOf(name);
    if (at < 0)
      throw new PredictionsError(
        `${source}: no column "${name}" in the header (columns: ${header.map((h) => `"${h}"`).join(', ')})`,
      );
    if (header.indexOf(name, at + 1) >= 0)
      throw new PredictionsError(`${source}: column "${name}" appears more than once in the header`);
    return at;
  };
  const outcomeAt = index(wanted.outcome);
  const scoreAt = wanted.scores.map(index);

  const rows = records.slice(1);
  const n = rows.length;
  if (n === 0) throw new PredictionsError(`${source}: no data rows after the header`);
  const outcome = new Float64Array(n);
  const scores = wanted.scores.map(() => new Float64Array(n));
  rows.forEach(({ record, info }, i) => {
    const where = (column: string) => `${source} row ${i + 1} (line ${info.lines}), column "${column}"`;
    const cell = (at: number, column: string): string => {
      const v = record[at] ?? '';
      if (v === '') throw new PredictionsError(`${where(column)}: empty cell (every row needs every column)`);
      return v;
    };
    const o = parseOutcome(cell(outcomeAt, wanted.outcome));
    if (o === null)
      throw new PredictionsError(
        `${where(wanted.outcome)}: outcome must be 0 or 1 (or false/true), got "${record[outcomeAt]}"`,
      );
    outcome[i] = o;
    wanted.scores.forEach((name, k) => {
      const raw = cell(scoreAt[k]!, name);
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new PredictionsError(`${where(name)}: not a finite number: "${raw}"`);
      scores[k]![i] = v;
    });
  });

  let events = 0;
  for (const o of outcome) events += o;
  const nonEvents = n - events;
  if (events === 0 || nonEvents === 0)
    throw new PredictionsError(
      `${source}: outcome "${wanted.outcome}" has only ${events === 0 ? '0' : '1'}s (${n} rows); ROC analysis needs both classes`,
    );
  if (events < MIN_ROWS_PER_CLASS || nonEvents < MIN_ROWS_PER_CLASS)
    throw new PredictionsError(
      `${source}: outcome "${wanted.outcome}" has ${events} row(s) with 1 and ${nonEvents} with 0; DeLong's variance needs at least ${MIN_ROWS_PER_CLASS} of each`,
    );

  const columns: Record<string, Float64Array> = { [wanted.outcome]: outcome };
  wanted.scores.forEach((name, k) => (columns[name] = scores[k]!));
  return { source, n, columns };
}

/** Reads and parses a predictions CSV file. */
export function readPredictions(file: string, wanted: PredictionColumns): PredictionTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PredictionsError(
      `cannot read predictions file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parsePredictions(text, file, wanted);
}
