/**
 * The `frontdesk` command line. Each command lives in src/cli/<name>.ts and registers itself
 * here. Exit codes: 0 no error-level issue, 1 invalid input, 2 usage error or unreadable input.
 *
 * Only the module of the command being run is loaded (a `validate` does not load the gateway's
 * HTTP server, store or delivery clients): each module imports what its command needs, and loading
 * all of them costs more than the command itself. Help, a bare `frontdesk` or an unknown command
 * load them all, so the full command list is shown.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from './cli/io.js';
import { formatIssue } from './domain/issues.js';
import { checkMappingsAtStart } from './mapping/checked-at-start.js';

// Every command converts or validates through the mappings: a broken mapping file or code table
// stops the CLI at start, naming the file and the rule, rather than in the middle of a message
// (the compiled build skips a check that passed before on the same files: ./mapping/checked-at-start.ts).
const mappingIssues = await checkMappingsAtStart();
if (mappingIssues.length) {
  process.stderr.write(`frontdesk: mapping error\n${mappingIssues.map(formatIssue).join('\n')}\n`);
  process.exit(EXIT_USAGE);
}

type Register = (program: Command) => void;
/** Command name -> how to load its register function. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  convert: async () => (await import('./cli/convert.js')).registerConvert,
  validate: async () => (await import('./cli/validate.js')).registerValidate,
  job: async () => (await import('./cli/job.js')).registerJob,
  deadletter: async () => (await import('./cli/deadletter.js')).registerDeadletter,
  serve: async () => (await import('./cli/serve.js')).registerServe,
  messages: async () => (await import('./cli/messages.js')).registerMessages,
  claims: async () => (await import('./cli/claims.js')).registerClaims,
  eligibility: async () => (await import('./cli/eligibility.js')).registerEligibility,
  audit: async () => (await import('./cli/audit.js')).registerAudit,
  reindex: async () => (await import('./cli/reindex.js')).registerReindex,
};

const program = new Command();
program
  .name('frontdesk')
  .description('Frontdesk: interoperability gateway for medical offices (office records <-> FHIR R4 <-> HL7v2)')
  .exitOverride()
  .showHelpAfterError();

try {
  const name = process.argv[2];
  const only = name !== undefined ? COMMANDS[name] : undefined;
  for (const load of only ? [only] : Object.values(COMMANDS)) (await load())(program);
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`frontdesk: internal error: ${(e as Error).message}\n`);
  process.exit(EXIT_USAGE);
}
