/**
 * The benchmark items. Each runs in its own child process unless `inProcess`; its value is
 * plain JSON that bench/rows.ts turns into table rows.
 */
import { HL7_GROUPS, forGroup, runParser, runValidate } from './items-hl7.js';
import { PARSER_NAMES, loadParser } from './hl7-parsers.js';
import { runChecks } from './hl7-checks.js';
import { FHIR_VALIDATORS, runFhirValidator } from './items-fhir.js';
import { runFhirCasesCli } from './items-fhir-cases.js';
import { NotMeasured, OFFICE_INPUTS, runDisk, runE2eHl7, runE2eOffice, runMemory, runMllp, runObxScaling } from './items-runtime.js';
import { runCliValidate, runStartup } from './items-startup.js';
import { runX12 } from './items-x12.js';
import { runPg } from './items-pg.js';
import { runFhirSearch } from './items-fhir-search.js';
import { runFhirAuth } from './items-fhir-auth.js';
import { runSoak } from './items-soak.js';

export interface Item {
  id: string;
  run: () => unknown | Promise<unknown>;
  inProcess?: boolean;
  timeoutMs?: number;
  /** Only with this flag on the command line (a long run: `--soak`). */
  optIn?: string;
}

export interface ItemResult {
  id: string;
  value: unknown;
  maxRssMB: number | undefined;
  error?: string;
  seconds?: number;
}

export const ITEMS: Item[] = [
  {
    id: 'hl7-checks',
    run: async () => Object.fromEntries(await Promise.all(PARSER_NAMES.map(async (n) => [n, runChecks(await loadParser(n))]))),
  },
  ...Object.keys(HL7_GROUPS).flatMap((g) => PARSER_NAMES.map((p): Item => ({ id: `hl7:${g}:${p}`, run: () => forGroup(g, (id) => runParser(id, p)) }))),
  ...Object.keys(HL7_GROUPS).map((g): Item => ({ id: `hl7-validate:${g}`, run: () => forGroup(g, runValidate) })),
  ...FHIR_VALIDATORS.map((v): Item => ({ id: `fhir:${v}`, run: () => runFhirValidator(v) })),
  { id: 'fhir-cases-cli', run: runFhirCasesCli },
  ...Object.keys(HL7_GROUPS).map((g): Item => ({ id: `e2e-hl7:${g}`, run: () => forGroup(g, runE2eHl7) })),
  { id: 'e2e-hl7:obx-scaling', run: runObxScaling, timeoutMs: 300_000 },
  ...(['Frontdesk', 'node-x12'] as const).map((lib): Item => ({ id: `x12:${lib}`, run: () => runX12(lib) })),
  {
    id: 'e2e-office',
    run: async () => {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(OFFICE_INPUTS)) {
        try {
          out[k] = await runE2eOffice(k);
        } catch (e) {
          out[k] = { error: e instanceof NotMeasured ? `not measured (${e.message})` : `failed (${(e as Error).message})` };
        }
      }
      return out;
    },
  },
  ...['adt', 'oru500', 'orupdf'].map((id): Item => ({ id: `memory:${id}`, run: () => runMemory(id) })),
  { id: 'disk', run: runDisk },
  { id: 'mllp', run: runMllp, timeoutMs: 300_000 },
  { id: 'soak', run: runSoak, timeoutMs: 15 * 60_000, optIn: '--soak' },
  { id: 'pg', run: runPg, timeoutMs: 480_000 },
  ...(['sqlite', 'postgres'] as const).map((engine): Item => ({ id: `fhir-search:${engine}`, run: () => runFhirSearch(engine), timeoutMs: 20 * 60_000 })),
  { id: 'fhir-auth', run: runFhirAuth, timeoutMs: 300_000 },
  { id: 'startup', run: runStartup, timeoutMs: 300_000 },
  { id: 'cli-validate', run: runCliValidate, timeoutMs: 300_000 },
];
