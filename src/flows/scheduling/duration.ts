/** SCH-9/SCH-10 (and TQ1-6) durations -> minutes, through mappings/tables/duration-units.json (UCUM). */
import { issue, type Issue } from '../../domain/issues.js';
import { toFhirCode } from '../../mapping/tables.js';

/** Minutes per UCUM time unit the units table can yield. */
const MINUTES_PER: Record<string, number> = { s: 1 / 60, min: 1, h: 60, d: 1440 };

/**
 * A duration in the sender's units -> minutes. Empty units are read as minutes (HL7 wants SCH-10
 * valued with SCH-9; minutes is what schedulers send); unknown units leave the duration out.
 */
export function minutesOf(value: number, unit: string | undefined, unitWhere: string, issues: Issue[]): number | undefined {
  if (!unit) {
    issues.push(issue('MAP_INFO', 'The duration has no units; read as minutes.', unitWhere));
    return value;
  }
  const ucum = toFhirCode('duration-units', unit)?.fhir;
  const factor = ucum ? MINUTES_PER[ucum] : undefined;
  if (factor === undefined) {
    issues.push(issue('MAP_UNKNOWN_CODE', `Duration units "${unit}" are not known (mappings/tables/duration-units.json); the duration is left out.`, unitWhere, 'warning'));
    return undefined;
  }
  return Math.round(value * factor * 1e6) / 1e6;
}
