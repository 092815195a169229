/**
 * Which order key a lab message's resources hang from (the id rules themselves are in
 * src/fhir/ids.ts), so a corrected or final result (OBR-25/OBX-11 = C or F)
 * sent after a preliminary one updates the same DiagnosticReport and Observations:
 * - report key: the filler order number (OBR-3, else ORC-3), which the lab keeps for the life of
 *   the order; else the placer order number (OBR-2/ORC-2); else MSH-10 + OBR position (not stable
 *   across messages, said with an information issue).
 * - Observation: report key + OBX-3 code + OBX-4 sub-id + which occurrence of that code/sub-id it
 *   is in the order. Not OBX-1: labs renumber OBX segments between preliminary and final.
 * - Specimen: its identifier (SPM-2) when sent, else report key + SPM position.
 */
import type { Identifier } from 'fhir/r4.js';
import type { ReportKey } from '../../fhir/ids.js';

export function reportKey(filler: Identifier | undefined, placer: Identifier | undefined, controlId: string, obrPosition: number): ReportKey {
  if (filler?.value) return { basis: 'filler', ...(filler.system ? { system: filler.system } : {}), value: filler.value };
  if (placer?.value) return { basis: 'placer', ...(placer.system ? { system: placer.system } : {}), value: placer.value };
  return { basis: 'message', value: `${controlId}#${obrPosition}` };
}
