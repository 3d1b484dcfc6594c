import type { Command } from 'commander';
import {
  buildLiteratureClinicalBundle,
  generatePublisherKey,
  listBundles,
  signBundle,
  trustPublisherKey,
  verifyBundle,
} from '../model/commands.ts';
import { BundleVerificationError } from '../model/bundle-types.ts';
import { SignatureError } from '../model/signature.ts';
import { CliError } from './cli-error.ts';
import { configFromOptions, parseFormat } from './config-option.ts';

type Format = 'json' | 'text';

function print(format: Format, data: unknown, text: () => string): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
}

/** Verification failures are the user's to act on: one line, exit 2. */
async function refusing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof BundleVerificationError || err instanceof SignatureError)
      throw new CliError(err.message);
    throw err;
  }
}

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('model bundles: list, verify, sign, publisher keys');

  models
    .command('list')
    .description('verify every bundle in the models folder and list them with the active one')
    .option('--config <file>', 'configuration file')
    .option('--format <format>', 'json or text', parseFormat, 'text')
    .action(async (opts: { config?: string; format: Format }) => {
      const config = configFromOptions(opts);
      const result = await refusing(() =>
        listBundles({ modelsDir: config.models.dir, trustedKeysPath: config.models.trustedKeys }),
      );
      print(opts.format, { active: config.models.active, ...result }, () =>
        [
          ...result.bundles.map(
            (b) =>
              `${b.id === config.models.active ? '*' : ' '} ${b.id}@${b.version}  ${b.validationStatus}  digest ${b.digest.slice(0, 16)}  signed by ${b.publisherKid}`,
          ),
          ...result.refused.map((r) => `! ${r.reason}`),
        ].join('\n'),
      );
      if (result.refused.length > 0) process.exitCode = 1;
    });

  models
    .command('verify <dir>')
    .description('verify one bundle: schema, file digests and publisher signature')
    .option('--config <file>', 'configuration file naming the trusted keys')
    .option('--trusted-keys <file>', 'JWKS of trusted publishers (overrides the configuration)')
    .option('--format <format>', 'json or text', parseFormat, 'text')
    .action(async (dir: string, opts: { config?: string; trustedKeys?: string; format: Format }) => {
      const trustedKeysPath = opts.trustedKeys ?? configFromOptions(opts).models.trustedKeys;
      const summary = await refusing(() => verifyBundle({ dir, trustedKeysPath }));
      print(
        opts.format,
        summary,
        () => `verified ${summary.id}@${summary.version} digest ${summary.digest} (${summary.publisherKid})`,
      );
    });

  models
    .command('keygen')
    .description('generate a publisher key pair; the private key file is written with mode 0600')
    .requiredOption('--kid <kid>', 'key id, e.g. site-publisher-2026')
    .requiredOption('--out <dir>', 'folder for the key files (keep it outside the repository)')
    .option('--trust <jwks>', 'also add the public key to this trusted-publishers JWKS')
    .action(async (opts: { kid: string; out: string; trust?: string }) => {
      const key = await refusing(() => generatePublisherKey({ outDir: opts.out, kid: opts.kid }));
      if (opts.trust)
        await refusing(() => trustPublisherKey({ trustedKeysPath: opts.trust!, publicJwk: key.publicJwk }));
      print('text', key, () => `private key ${key.privateKeyPath}\npublic key  ${key.publicKeyPath}`);
    });

  models
    .command('sign <dir>')
    .description('recompute the file digests of a bundle and sign its manifest (detached JWS)')
    .requiredOption('--key <file>', 'publisher private key (JWK)')
    .action(async (dir: string, opts: { key: string }) => {
      const signed = await refusing(() => signBundle({ dir, privateKeyPath: opts.key }));
      print('text', signed, () => `signed ${signed.dir} with ${signed.kid}; digest ${signed.digest}`);
    });

  models
    .command('build-literature <dir>')
    .description('write the literature-derived clinical bundle (unsigned) into a folder')
    .action(async (dir: string) => {
      const built = await buildLiteratureClinicalBundle({ outDir: dir });
      print(
        'text',
        built,
        () => `wrote ${built.dir} (intercept ${built.intercept}); sign it with axilla models sign`,
      );
    });
}
