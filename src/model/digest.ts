/** SHA-256 (FIPS 180-4) as lower-case hex: the digest format of bundle manifests and audit records. */
import { createHash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
