/**
 * Rebuilds and re-signs the shipped literature-derived clinical bundle, then verifies it against
 * the committed trusted keys, so a maintainer holding the publisher key can regenerate it:
 *
 *   npx tsx src/model/literature/build.ts --key /path/to/<kid>.private.jwk.json [--out DIR] [--trusted JWKS]
 *
 * Defaults: --out models/clinical-literature/1.0.0, --trusted models/trusted-publishers.jwks.json.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLiteratureClinicalBundle, signBundle, verifyBundle } from '../commands.ts';
import { CLINICAL_LITERATURE_ID, CLINICAL_LITERATURE_VERSION } from './clinical-literature.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      key: { type: 'string' },
      out: {
        type: 'string',
        default: `${repoRoot}models/${CLINICAL_LITERATURE_ID}/${CLINICAL_LITERATURE_VERSION}`,
      },
      trusted: { type: 'string', default: `${repoRoot}models/trusted-publishers.jwks.json` },
    },
  });
  if (!values.key) throw new Error('--key PATH (the publisher private JWK) is required');
  const built = await buildLiteratureClinicalBundle({ outDir: values.out });
  const signed = await signBundle({ dir: values.out, privateKeyPath: values.key });
  const verified = await verifyBundle({ dir: values.out, trustedKeysPath: values.trusted });
  console.log(
    JSON.stringify(
      {
        dir: built.dir,
        intercept: built.intercept,
        kid: signed.kid,
        digest: verified.digest,
        files: signed.files,
      },
      null,
      2,
    ),
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
