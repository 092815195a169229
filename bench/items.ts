/**
 * The benchmark items. Each runs in its own child process unless `inProcess`; its value is
 * plain JSON that bench/rows.ts turns into table rows.
 */
import { HL7_INPUTS, runParser, runValidate } from './items-hl7.js';
import { PARSERS } from './hl7-parsers.js';
import { runChecks } from './hl7-checks.js';

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
  { id: 'hl7-checks', inProcess: true, run: () => Object.fromEntries(PARSERS.map((p) => [p.name, runChecks(p)])) },
  ...HL7_INPUTS.flatMap((input) => PARSERS.map((p): Item => ({ id: `hl7:${input.id}:${p.name}`, run: () => runParser(input.id, p.name) }))),
  ...HL7_INPUTS.map((input): Item => ({ id: `hl7-validate:${input.id}`, run: () => runValidate(input.id) })),
];
