/**
 * Deterministic ids for lab resources, so a corrected or final result (OBR-25/OBX-11 = C or F)
 * sent after a preliminary one updates the same DiagnosticReport and Observations:
 * - report key: the filler order number (OBR-3, else ORC-3), which the lab keeps for the life of
 *   the order; else the placer order number (OBR-2/ORC-2); else MSH-10 + OBR position (not stable
 *   across messages, said with an information issue).
 * - Observation: report key + OBX-3 code + OBX-4 sub-id + which occurrence of that code/sub-id it
 *   is in the order. Not OBX-1: labs renumber OBX segments between preliminary and final.
 * - Specimen: its identifier (SPM-2) when sent, else report key + SPM position.
 */
import type { Identifier } from 'fhir/r4.js';
import { deterministicId } from '../../mapping/ids.js';

export interface ReportKey {
  /** 'filler' | 'placer' | 'message' */
  basis: 'filler' | 'placer' | 'message';
  system?: string;
  value: string;
}

export function reportKey(filler: Identifier | undefined, placer: Identifier | undefined, controlId: string, obrPosition: number): ReportKey {
  if (filler?.value) return { basis: 'filler', ...(filler.system ? { system: filler.system } : {}), value: filler.value };
  if (placer?.value) return { basis: 'placer', ...(placer.system ? { system: placer.system } : {}), value: placer.value };
  return { basis: 'message', value: `${controlId}#${obrPosition}` };
}

export const reportId = (k: ReportKey): string => deterministicId('DiagnosticReport', k.basis, k.system, k.value);

export const observationId = (k: ReportKey, codeSystem: string | undefined, code: string, subId: string, occurrence: number): string =>
  deterministicId('Observation', k.basis, k.system, k.value, codeSystem, code, subId, occurrence);

export const specimenId = (k: ReportKey, identifier: Identifier | undefined, position: number): string =>
  identifier?.value ? deterministicId('Specimen', identifier.system, identifier.value) : deterministicId('Specimen', k.basis, k.system, k.value, position);

/** A urn:uuid for Bundle.entry.fullUrl, derived from a deterministic id (same id, same urn). */
export function urnFor(id: string): string {
  const hex = deterministicId('urn', id).slice(-32);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
