/**
 * The `frontdesk` command line. Each command lives in src/cli/<name>.ts and registers itself
 * here. Exit codes: 0 no error-level issue, 1 invalid input, 2 usage error or unreadable input.
 */
import { Command, CommanderError } from 'commander';
import { registerConvert } from './cli/convert.js';
import { registerValidate } from './cli/validate.js';
import { registerJob } from './cli/job.js';
import { registerDeadletter } from './cli/deadletter.js';
import { registerServe } from './cli/serve.js';
import { registerMessages } from './cli/messages.js';
import { EXIT_USAGE } from './cli/io.js';

const program = new Command();
program
  .name('frontdesk')
  .description('Frontdesk: interoperability gateway for medical offices (office records <-> FHIR R4 <-> HL7v2)')
  .exitOverride()
  .showHelpAfterError();

registerConvert(program);
registerValidate(program);
registerJob(program);
registerDeadletter(program);
registerServe(program);
registerMessages(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`frontdesk: internal error: ${(e as Error).message}\n`);
  process.exit(EXIT_USAGE);
}
