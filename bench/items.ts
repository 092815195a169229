/**
 * The benchmark items. Each runs in its own child process unless `inProcess`; its value is
 * plain JSON that bench/rows.ts turns into table rows.
 */
import { HL7_INPUTS, runParser, runValidate } from './items-hl7.js';
import { PARSER_NAMES, loadParser } from './hl7-parsers.js';
import { runChecks } from './hl7-checks.js';
import { FHIR_VALIDATORS, runFhirValidator } from './items-fhir.js';
import { OFFICE_INPUTS, runE2eHl7, runE2eOffice, runMllp, runStartup } from './items-runtime.js';

export interface Item {
  id: string;
  run: () => unknown | Promise<unknown>;
  inProcess?: boolean;
  timeoutMs?: number;
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
  ...HL7_INPUTS.flatMap((input) => PARSER_NAMES.map((p): Item => ({ id: `hl7:${input.id}:${p}`, run: () => runParser(input.id, p) }))),
  ...HL7_INPUTS.map((input): Item => ({ id: `hl7-validate:${input.id}`, run: () => runValidate(input.id) })),
  ...FHIR_VALIDATORS.map((v): Item => ({ id: `fhir:${v}`, run: () => runFhirValidator(v) })),
  ...HL7_INPUTS.map((input): Item => ({ id: `e2e-hl7:${input.id}`, run: () => runE2eHl7(input.id) })),
  ...Object.keys(OFFICE_INPUTS).map((k): Item => ({ id: `e2e-office:${k}`, run: () => runE2eOffice(k) })),
  { id: 'mllp', run: runMllp, timeoutMs: 180_000 },
  { id: 'startup', run: runStartup, timeoutMs: 180_000 },
];
