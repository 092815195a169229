/**
 * The R4 vital signs rule (Observation page, 8.1.2 "Vital Signs"): an Observation whose code is
 * one of these LOINC codes must conform to the vital signs profile, whether or not it says so.
 * Applied when the base type would otherwise apply (material written elsewhere), not to our
 * flows' lab results, which have their own profile.
 */
type Json = Record<string, unknown>;

export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';

const LOINC = 'http://loinc.org';
/** Panel, respiratory rate, heart rate, O2 saturation (2 codes), temperature, height, head circumference, weight, BMI, blood pressure. */
const VITAL_SIGN_CODES = new Set(['85353-1', '9279-1', '8867-4', '2708-6', '59408-5', '8310-5', '8302-2', '9843-4', '29463-7', '39156-5', '85354-9']);

export function isVitalSign(observation: Json): boolean {
  const code = observation.code as { coding?: unknown } | undefined;
  if (!Array.isArray(code?.coding)) return false;
  return code.coding.some((c: { system?: unknown; code?: unknown } | null) => c?.system === LOINC && typeof c.code === 'string' && VITAL_SIGN_CODES.has(c.code));
}
