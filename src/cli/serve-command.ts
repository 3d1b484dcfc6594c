import type { Command } from 'commander';
import { startService } from '../http/service.ts';
import { createLogger } from '../util/logger.ts';
import { configFromOptions, parsePort } from './config-option.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the CDS Hooks service (without --config: embedded defaults with demo FHIR server and EHR)',
    )
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .option('--port <n>', 'port to listen on (overrides the configuration)', parsePort)
    .option('--host <host>', 'interface to listen on (overrides the configuration)')
    .action(async (opts: { config?: string; port?: number; host?: string }) => {
      const service: Record<string, unknown> = {};
      if (opts.port !== undefined) {
        service.port = opts.port;
        // Without a configured public URL, the audience follows the port actually used.
        if (!opts.config) service.baseUrl = `http://127.0.0.1:${opts.port}`;
      }
      if (opts.host) service.host = opts.host;
      const config = configFromOptions(opts, { service });
      const logger = createLogger(config.logging.level);
      const running = await startService(config, logger);
      printHowToCall(running.baseUrl, running.demo?.fhir.fhirBaseUrl);
      const stop = async (signal: string): Promise<void> => {
        logger.info({ signal }, 'shutting down');
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}

function printHowToCall(baseUrl: string, fhirBaseUrl: string | undefined): void {
  const lines = [
    '',
    `Axilla CDS is listening on ${baseUrl}`,
    `  discovery:     GET  ${baseUrl}/cds-services   (needs an EHR-signed JWT)`,
    `  order-sign:    POST ${baseUrl}/cds-services/axilla-apcr-order-sign`,
    `  health:        GET  ${baseUrl}/healthz`,
  ];
  if (fhirBaseUrl) {
    lines.push(
      `  demo FHIR:     ${fhirBaseUrl}   (in-process, demo patients loaded)`,
      '',
      'Send a signed sample hook for every demo patient from another terminal:',
      '  npm run axilla -- demo',
    );
  }
  process.stderr.write(`${lines.join('\n')}\n\n`);
}
