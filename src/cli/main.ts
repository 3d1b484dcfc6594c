import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.ts';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded on demand: `axilla extract` should not pay for loading the
 * service, FHIR and ONNX stacks. The command named on the command line is the only one loaded;
 * help, version and unknown commands load them all so the listing stays complete.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./serve-command.ts')).registerServeCommand,
  demo: async () => (await import('./demo-command.ts')).registerDemoCommand,
  audit: async () => (await import('./audit-command.ts')).registerAuditCommands,
  models: async () => (await import('./models-command.ts')).registerModelCommands,
  synth: async () => (await import('./synth-command.ts')).registerSynthCommand,
  push: async () => (await import('./push-command.ts')).registerPushCommand,
  extract: async () => (await import('./extract-command.ts')).registerExtractCommand,
  'extract-cohort': async () => (await import('./extract-cohort-command.ts')).registerExtractCohortCommand,
  evaluate: async () => (await import('./evaluate-command.ts')).registerEvaluateCommand,
  train: async () => (await import('./train-command.ts')).registerTrainCommand,
  predict: async () => (await import('./predict-command.ts')).registerPredictCommand,
};

const program = new Command('axilla')
  .description('Axilla CDS: axillary pCR prediction after neoadjuvant therapy, as a CDS Hooks service')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

const named = process.argv[2];
const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
for (const name of wanted) (await COMMANDS[name]!())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // One line, no stack: bad input is the caller's to fix, and the reason says how.
  const reason = err instanceof CliError ? err.message : `unexpected error: ${(err as Error).message}`;
  process.stderr.write(`axilla: ${reason}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
