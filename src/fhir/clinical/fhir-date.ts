/**
 * FHIR date / dateTime / instant values as comparable time intervals.
 *
 * A FHIR date may be partial ("2024", "2024-03", "2024-03-05"). Such a value does not name an
 * instant but a span of time, so two results cannot be ordered when their spans overlap: a
 * report dated "2024-03" may be later than one dated "2024-03-15". Keeping the span lets the
 * selection treat such results as simultaneous instead of guessing an order.
 */

export interface FhirDate {
  /** The value as written in the resource. */
  text: string;
  /** Earliest instant the value can denote, epoch milliseconds. */
  lo: number;
  /** First instant after the value, epoch milliseconds (exclusive). */
  hi: number;
}

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR date, dateTime or instant; undefined when the text is not a valid one. */
export function parseFhirDate(text: string | undefined): FhirDate | undefined {
  if (text === undefined) return undefined;
  const m = DATE_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, hh, mi] = m;
  const year = Number(y);
  if (mo === undefined) return { text, lo: Date.UTC(year, 0, 1), hi: Date.UTC(year + 1, 0, 1) };
  const month = Number(mo);
  if (month < 1 || month > 12) return undefined;
  if (d === undefined) return { text, lo: Date.UTC(year, month - 1, 1), hi: Date.UTC(year, month, 1) };
  const day = Number(d);
  const dayStart = Date.UTC(year, month - 1, day);
  if (new Date(dayStart).getUTCDate() !== day) return undefined;
  if (hh === undefined || mi === undefined)
    return { text, lo: dayStart, hi: Date.UTC(year, month - 1, day + 1) };
  return parseInstant(text, m);
}

function parseInstant(text: string, m: RegExpExecArray): FhirDate | undefined {
  const [, y, mo, d, hh, mi, ss, frac, tz] = m;
  // FHIR requires a zone on a dateTime with a time; a value without one is read as UTC so the
  // result does not depend on the zone of the machine running the service.
  const iso = `${y}-${mo}-${d}T${hh}:${mi}:${ss ?? '00'}${frac ?? ''}${tz ?? 'Z'}`;
  const lo = Date.parse(iso);
  if (Number.isNaN(lo) || Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? 0) > 59) return undefined;
  return { text, lo, hi: lo + 1 };
}

/** True when `a` may lie at or after the start of `b` (their order cannot put `a` strictly before). */
export function mayBeAtOrAfter(a: FhirDate, b: FhirDate): boolean {
  return a.hi > b.lo;
}

/** Orders dates by their earliest instant, then by precision (narrower first), then text. */
export function compareFhirDates(a: FhirDate, b: FhirDate): number {
  return a.lo - b.lo || a.hi - b.hi || a.text.localeCompare(b.text);
}
