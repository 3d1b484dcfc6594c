/**
 * DICOM UIDs in the `2.25` root (PS3.5 §9 and Annex B.2): `2.25.` followed by a UUID written as
 * one unsigned decimal integer (at most 39 digits, so at most 44 characters; the limit is 64).
 * Random UIDs come from a version-4 UUID; seeded ones from a version-5 (SHA-1, RFC 9562 §5.5)
 * UUID so a seeded synthetic cohort has the same UIDs on every run.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Uid } from './dicom-types.ts';

/** PS3.5 §9.1: components of digits without leading zeros, separated by '.', ≤ 64 characters. */
export const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export function isValidUid(value: string): boolean {
  return value.length <= 64 && UID_PATTERN.test(value);
}

/** Namespace of the seeded UIDs (a fixed random UUID of this project). */
const AXILLA_NAMESPACE = '6f1c2d4e-8b0a-4f7e-9a35-2b8c1d0e7f41';

function uuidToUid<K extends string>(uuid: string): Uid<K> {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}` as Uid<K>;
}

/** A new, globally unique UID (`2.25.` + a random UUID as a decimal integer). */
export function newUid<K extends string>(): Uid<K> {
  return uuidToUid<K>(randomUUID());
}

/** A version-5 UUID (SHA-1 name-based, RFC 9562 §5.5) of `name` in `namespace`. */
export function uuidV5(name: string, namespace = AXILLA_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const digest = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = digest.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A deterministic UID derived from `seed` (`2.25.` + the version-5 UUID of the seed). Equal seeds
 * give equal UIDs; use distinct seeds (e.g. `cohort-7/patient-12/study-pre/series-DCE`) for
 * distinct objects.
 */
export function uidFrom<K extends string>(seed: string): Uid<K> {
  return uuidToUid<K>(uuidV5(seed));
}
