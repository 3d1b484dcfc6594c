import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import { readCohortManifest } from '../cohort/manifest.ts';
import { writeCohort } from '../synth/cohort-writer.ts';
import { DEMO_PATIENTS, type DemoPatient } from './demo-patients.ts';

export interface DemoCohortOptions {
  dir: string;
  patients: number;
  seed: string;
}

/** The hand-written records that show what a card says when inputs are missing or contradict. */
const EDGE_CASES = new Set(['demo-missing-er', 'demo-contradictory-her2']);

/**
 * The demo's patients: a small synthetic cohort (generated on first run, then reused), whose
 * FHIR bundles and DICOM studies are complete, plus two hand-written edge cases.
 */
export async function demoPatients(o: DemoCohortOptions): Promise<DemoPatient[]> {
  if (!existsSync(path.join(o.dir, 'cohort.csv'))) {
    process.stderr.write(`Generating the demo cohort (${o.patients} synthetic patients) in ${o.dir}…\n`);
    await writeCohort({ patients: o.patients, seed: o.seed, outDir: o.dir, size: 'small' });
  }
  const rows = readCohortManifest(await readFile(path.join(o.dir, 'cohort.csv'), 'utf8'));
  const bundleFiles = new Set(await readdir(path.join(o.dir, 'fhir')));
  const synthetic = await Promise.all(
    rows.map(async (row): Promise<DemoPatient> => {
      const file = `${row.patientId}.json`;
      if (!bundleFiles.has(file))
        throw new Error(`demo cohort ${o.dir} lacks fhir/${file}; delete the folder to regenerate it`);
      const bundle = JSON.parse(await readFile(path.join(o.dir, 'fhir', file), 'utf8')) as Bundle;
      const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
      const order = resources.find((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
      if (!order) throw new Error(`demo cohort bundle fhir/${file} has no draft ServiceRequest`);
      return {
        id: row.patientId,
        story: `synthetic: ER${row.er === 'positive' ? '+' : '−'}, HER2${row.her2 === 'positive' ? '+' : '−'}, c${row.cT}, pre- and post-NAT MRI on file`,
        resources,
        draftOrder: order,
      };
    }),
  );
  return [...synthetic, ...DEMO_PATIENTS.filter((p) => EDGE_CASES.has(p.id))];
}
