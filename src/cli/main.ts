import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './audit-command.ts';
import { registerDemoCommand } from './demo-command.ts';
import { registerModelCommands } from './models-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSynthCommand } from './synth-command.ts';
import { registerPushCommand } from './push-command.ts';
import { registerExtractCommand } from './extract-command.ts';
import { registerExtractCohortCommand } from './extract-cohort-command.ts';
import { CliError } from './cli-error.ts';

const program = new Command('axilla')
  .description('Axilla CDS: axillary pCR prediction after neoadjuvant therapy, as a CDS Hooks service')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerServeCommand(program);
registerDemoCommand(program);
registerAuditCommands(program);
registerModelCommands(program);
registerSynthCommand(program);
registerPushCommand(program);
registerExtractCommand(program);
registerExtractCohortCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // One line, no stack: bad input is the caller's to fix, and the reason says how.
  const reason = err instanceof CliError ? err.message : `unexpected error: ${(err as Error).message}`;
  process.stderr.write(`axilla: ${reason}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
