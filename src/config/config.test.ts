import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ConfigError,
  environmentOverrides,
  httpAllowed,
  imagingSourceOf,
  loadConfig,
  mergeLayers,
} from './config.ts';

describe('configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'axilla-config-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('needs no file: the embedded defaults run the demo on loopback http', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.demo.enabled, true);
    assert.equal(c.auth.allowInsecureHttp, 'loopback');
    assert.equal(c.store.sqlitePath, 'var/axilla.sqlite');
    assert.equal(c.fhir.codes.er[0]!.code, '85337-4');
  });

  it('a file starts from production defaults: https only, no demo', () => {
    const c = loadConfig({
      file: write('min.yaml', 'service:\n  baseUrl: https://cds.hospital.example\n'),
      env: {},
    });
    assert.equal(c.demo.enabled, false);
    assert.equal(c.auth.allowInsecureHttp, false);
    assert.equal(c.service.baseUrl, 'https://cds.hospital.example');
  });

  it('applies environment overrides over the file', () => {
    const file = write('env.yaml', 'service:\n  port: 9000\n');
    const c = loadConfig({
      file,
      env: { AXILLA_SERVICE__PORT: '9100', AXILLA_STORE__SQLITE_PATH: '/data/a.sqlite' },
    });
    assert.equal(c.service.port, 9100);
    assert.equal(c.store.sqlitePath, '/data/a.sqlite');
    assert.deepEqual(environmentOverrides({ AXILLA_AUTH__CLOCK_SKEW_SECONDS: '10', OTHER: 'x' }), {
      auth: { clockSkewSeconds: 10 },
    });
  });

  it('names the offending key of an invalid file', () => {
    assert.throws(
      () => loadConfig({ file: write('bad.yaml', 'service:\n  prot: 9000\n'), env: {} }),
      (e: Error) => e instanceof ConfigError && /service: Unrecognized key: "prot"/.test(e.message),
    );
    assert.throws(
      () =>
        loadConfig({
          file: write('bad2.yaml', 'auth:\n  issuers:\n    - iss: https://ehr.example\n'),
          env: {},
        }),
      /an issuer needs jwksUrl or a non-empty jkuAllowList/,
    );
    assert.throws(
      () => loadConfig({ file: write('bad3.json', '{"service": '), env: {} }),
      /is not valid JSON/,
    );
    assert.throws(
      () => loadConfig({ file: path.join(dir, 'absent.yaml'), env: {} }),
      /cannot read configuration file/,
    );
  });

  it('accepts the shipped example production configuration', () => {
    const c = loadConfig({
      file: path.join(import.meta.dirname, '../../deploy/axilla.example.yaml'),
      env: {},
    });
    assert.equal(c.auth.issuers.length, 2);
    assert.equal(c.service.baseUrl, 'https://cds.hospital.example/axilla');
  });

  it('allows plain http only as the policy says', () => {
    assert.equal(httpAllowed('https://ehr.example/jwks', false), true);
    assert.equal(httpAllowed('http://ehr.example/jwks', false), false);
    assert.equal(httpAllowed('http://127.0.0.1:8731/jwks', 'loopback'), true);
    assert.equal(httpAllowed('http://[::1]:8731/jwks', 'loopback'), true);
    assert.equal(httpAllowed('http://10.0.0.5/jwks', 'loopback'), false);
    assert.equal(httpAllowed('http://10.0.0.5/jwks', true), true);
  });
});

describe('imaging source layers', () => {
  it('a source of another kind replaces the earlier one instead of merging with it', () => {
    const config = loadConfig({
      env: {},
      overrides: mergeLayers(
        { imaging: { source: { kind: 'folder', dir: 'var/dicom' } } },
        { imaging: { source: { kind: 'dicomweb', url: 'http://127.0.0.1:8042/dicom-web' } } },
      ),
    });
    assert.equal(config.imaging.source.kind, 'dicomweb');
    assert.equal('dir' in config.imaging.source, false);
  });

  it('the demo uses its cohort folder when no source is configured', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(imagingSourceOf(config), {
      kind: 'folder',
      dir: path.join(config.demo.cohortDir, 'dicom'),
    });
    const file = loadConfig({ env: {}, overrides: { demo: { enabled: false } } });
    assert.deepEqual(imagingSourceOf(file), { kind: 'none' });
  });
});
