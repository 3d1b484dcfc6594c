import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * A hook call that ends in an HTTP error (CDS Hooks 2.0 §HTTP Response): 400 for a malformed
 * request, 404 for an unknown service, 412 when required FHIR data cannot be obtained.
 */
export class HookError extends Error {
  override name = 'HookError';
  constructor(
    readonly status: 400 | 404 | 412 | 500,
    message: string,
  ) {
    super(message);
  }

  /** Every error body is an OperationOutcome whose text says exactly what was wrong. */
  body(): OperationOutcome {
    const code =
      this.status === 412 || this.status === 404
        ? 'not-found'
        : this.status === 400
          ? 'invalid'
          : 'exception';
    return operationOutcome('error', code, this.message);
  }
}

export function operationOutcome(
  severity: 'error' | 'warning',
  code: 'not-found' | 'invalid' | 'exception',
  text: string,
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text } }] };
}
