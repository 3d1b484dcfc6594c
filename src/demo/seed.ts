import type { MemoryRepository } from '@medplum/fhir-router';
import { DEMO_PATIENTS, type DemoPatient } from './demo-patients.ts';

/** Loads the demo patients into a repository with their fixed ids (idempotent). */
export async function seedDemoPatients(
  repo: MemoryRepository,
  patients: readonly DemoPatient[] = DEMO_PATIENTS,
): Promise<void> {
  for (const p of patients) {
    for (const r of p.resources) await repo.updateResource(r);
  }
}
