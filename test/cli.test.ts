/**
 * The `axilla` command as a user runs it: separate processes, exit codes, one-line refusals.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';

const ROOT = path.resolve(import.meta.dirname, '..');

function axilla(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('axilla CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-cli-'));
    env = {
      AXILLA_STORE__SQLITE_PATH: path.join(dir, 'axilla.sqlite'),
      AXILLA_DEMO__EHR_KEY_DIR: path.join(dir, 'ehr'),
      // Nothing listens there, so the demo runs its own service on free ports.
      AXILLA_SERVICE__BASE_URL: 'http://127.0.0.1:9',
      AXILLA_SERVICE__PORT: '0',
      AXILLA_DEMO__FHIR_PORT: '0',
      AXILLA_DEMO__COHORT_DIR: path.join(dir, 'demo-cohort'),
      AXILLA_DEMO__COHORT_PATIENTS: '2',
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('demo: generates its synthetic cohort on first run, sends a signed hook per patient, prints the cards', () => {
    const r = axilla(['demo', '--format', 'json'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Generating the demo cohort \(2 synthetic patients\)/);
    const calls = JSON.parse(r.stdout) as {
      patientId: string;
      status: number;
      body: { cards: { indicator: string; summary: string }[] };
    }[];
    assert.deepEqual(
      calls.map((c) => c.patientId),
      ['SYN0001', 'SYN0002', 'demo-missing-er', 'demo-contradictory-her2'],
    );
    const byId = Object.fromEntries(calls.map((c) => [c.patientId, c]));
    assert.match(byId['SYN0001']!.body.cards[0]!.summary, /^apCR probability \d+%/);
    assert.match(byId['SYN0002']!.body.cards[0]!.summary, /^apCR probability \d+%/);
    // The demo serves the imaging model: the card names the MRI studies it read.
    const detail = (byId['SYN0001']!.body.cards[0] as { detail?: string }).detail ?? '';
    assert.match(detail, /Imaging: pre-NAT MR of \d{4}-\d{2}-\d{2} and post-NAT MR of \d{4}-\d{2}-\d{2}/);
    assert.match(detail, /radiomics-clinical/);
    assert.match(byId['demo-missing-er']!.body.cards[0]!.summary, /not computed: ER/);
    assert.match(byId['demo-contradictory-her2']!.body.cards[0]!.summary, /not computed: HER2/);

    const again = axilla(['demo', '--format', 'json', '--patient', 'SYN0002'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Generating the demo cohort/, 'the cohort is reused');
  });

  it('audit verify: intact after the demo, broken after an edit', () => {
    const ok = axilla(['audit', 'verify', '--store', env.AXILLA_STORE__SQLITE_PATH!]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /audit trail intact: \d+ records/);

    const copy = path.join(dir, 'tampered.sqlite');
    cpSync(env.AXILLA_STORE__SQLITE_PATH!, copy);
    const db = new Database(copy);
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare(
      "UPDATE audit_log SET body = replace(body, 'prediction', 'cannot-compute') WHERE seq = (SELECT max(seq) FROM audit_log WHERE body LIKE '%\"prediction\"%')",
    ).run();
    db.close();
    const broken = axilla(['audit', 'verify', '--store', copy, '--format', 'json']);
    assert.equal(broken.status, 1);
    assert.equal(JSON.parse(broken.stdout).ok, false);
  });

  it('audit list shows the predictions with model and probability', () => {
    const r = axilla(['audit', 'list', '--store', env.AXILLA_STORE__SQLITE_PATH!, '--patient', 'SYN0001']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /hook-call prediction axilla-apcr-order-sign patient=SYN0001 radiomics-clinical-synthetic@1\.0\.0 [0-9a-f]{12} p=0\.\d{4}/,
    );
  });

  it('refuses bad input with one line and a non-zero exit', () => {
    const missing = axilla(['audit', 'verify', '--store', path.join(dir, 'absent.sqlite')]);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /^axilla: no audit store at /);

    const badConfig = path.join(dir, 'bad.yaml');
    writeFileSync(badConfig, 'service:\n  port: "eighty"\n');
    const serve = axilla(['serve', '--config', badConfig]);
    assert.equal(serve.status, 2);
    assert.match(serve.stderr, /^axilla: invalid configuration .*service\.port/);

    const port = axilla(['serve', '--port', '99999']);
    assert.notEqual(port.status, 0);
    assert.match(port.stderr, /--port must be an integer/);
  });

  it('models verify refuses a bundle whose classifier was altered', () => {
    const copy = path.join(dir, 'bundle');
    cpSync(path.join(ROOT, 'models/clinical-literature/1.0.0'), copy, { recursive: true });
    const ok = axilla([
      'models',
      'verify',
      copy,
      '--trusted-keys',
      path.join(ROOT, 'models/trusted-publishers.jwks.json'),
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    writeFileSync(path.join(copy, 'classifier.onnx'), 'not the model');
    const bad = axilla([
      'models',
      'verify',
      copy,
      '--trusted-keys',
      path.join(ROOT, 'models/trusted-publishers.jwks.json'),
    ]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /classifier\.onnx/);
  });

  it('extract prints PyRadiomics-named features matching the breast1 reference; refuses an absent label', (t) => {
    const ref = path.resolve(ROOT, '../shared/reference/pyradiomics/breast1');
    if (!existsSync(ref)) return t.skip(`reference data absent: ${ref}`);
    const reference = JSON.parse(readFileSync(path.join(ref, 'breast1.json'), 'utf8')) as {
      params_yaml: string;
      features: Record<string, number>;
    };
    const params = path.join(dir, 'breast1.yaml');
    writeFileSync(params, reference.params_yaml);
    const args = [
      'extract',
      '--image',
      path.join(ref, 'breast1_image.nrrd'),
      '--mask',
      path.join(ref, 'breast1_label.nrrd'),
      '--params',
      params,
    ];
    const r = axilla(args);
    assert.equal(r.status, 0, r.stderr);
    const features = JSON.parse(r.stdout) as Record<string, number>;
    assert.equal(Object.keys(reference.features).filter((k) => !(k in features)).length, 0);
    for (const [name, expected] of Object.entries(reference.features)) {
      const got = features[name]!;
      assert.ok(
        Math.abs(got - expected) <= Math.max(1e-6, 1e-3 * Math.abs(expected)),
        `${name}: ${got} vs ${expected} (breast1.json)`,
      );
    }
    const bad = axilla([...args, '--label', '7']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /Label \(7\) not present in mask/);
  });

  it('extract reads NIfTI: the IBSI 1 digital phantom (74 voxels of 8 mm³); other file types are refused', (t) => {
    const phantom = path.resolve(ROOT, '../shared/reference/ibsi1/digital_phantom');
    if (!existsSync(phantom)) return t.skip(`reference data absent: ${phantom}`);
    const params = path.join(dir, 'ibsi.yaml');
    writeFileSync(params, 'setting:\n  binWidth: 1\nfeatureClass:\n  shape:\n  firstorder:\n');
    const r = axilla([
      'extract',
      '--image',
      path.join(phantom, 'phantom.nii.gz'),
      '--mask',
      path.join(phantom, 'mask.nii.gz'),
      '--params',
      params,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const features = JSON.parse(r.stdout) as Record<string, number>;
    // IBSI 1 reference "Volume (voxel counting)" YEKZ = 592 mm³ (reference_values_digital_phantom.csv).
    assert.equal(features['original_shape_VoxelVolume'], 592);
    const wrong = axilla(['extract', '--image', path.join(phantom, 'phantom.nii.gz'), '--mask', params]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /expected a \.nrrd, \.nii or \.nii\.gz file/);
  });
});
