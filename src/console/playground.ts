/**
 * The validation playground: pasted or uploaded HL7v2, FHIR JSON, an office record (or an X12
 * interchange) checked the way `frontdesk validate` checks it, and converted the way
 * `frontdesk convert` converts it (one path, src/flows/convert-input.ts). Nothing is stored.
 */
import { claimEdits } from '../billing/edits.js';
import { detectInput } from '../domain/input.js';
import { issue, type Issue } from '../domain/issues.js';
import { convertInput } from '../flows/convert-input.js';
import { emptyLookup, type Target } from '../flows/types.js';
import { CLAIM_PROFILES, isKnownProfile, profileApplied, validateOfficeRecord, validateResource } from '../validation/index.js';
import { looksLikeX12 } from '../x12/detect.js';
import { validateX12 } from '../x12/validate.js';

export const TARGETS: readonly Target[] = ['fhir', 'hl7v2', 'office'];

export interface PlaygroundResult {
  kind: 'hl7v2' | 'fhir' | 'office' | 'x12' | 'unknown';
  issues: Issue[];
  /** The converted output as text (formatted JSON or HL7v2), when there is one. */
  output?: { to: Target; text: string } | undefined;
}

export function checkInput(text: string, opts: { profile?: string | undefined; to?: Target | undefined; timeZone: string }): PlaygroundResult {
  if (opts.profile && !isKnownProfile(opts.profile)) return { kind: 'unknown', issues: [issue('FHIR_PROFILE_UNKNOWN', `No profile "${opts.profile}" is loaded.`, 'profile')] };
  if (looksLikeX12(text)) return { kind: 'x12', issues: validateX12(text) };
  const detected = detectInput(text);
  const input = detected.value;
  if (!input) return { kind: 'unknown', issues: detected.issues };
  const ctx = { timezone: opts.timeZone, lookup: emptyLookup };
  const issues: Issue[] = [...detected.issues];
  let to: Target = opts.to ?? (input.kind === 'fhir' ? 'office' : 'fhir');
  if (input.kind === 'fhir') {
    const vopts = { ...(opts.profile ? { profile: opts.profile } : {}), otherwise: 'base' as const };
    issues.push(...validateResource(input.resource, vopts));
    const applied = profileApplied(input.resource, vopts);
    if (applied && CLAIM_PROFILES.has(applied)) issues.push(...claimEdits(input.resource));
  } else if (opts.profile) {
    issues.push(issue('FHIR_PROFILE_UNKNOWN', `A FHIR profile applies to FHIR input only; ${input.kind === 'hl7v2' ? 'an HL7v2 message is checked against the message profile of its type' : 'an office record is checked against the schema of its recordType'}.`, 'profile', 'warning'));
  }
  if (input.kind === 'office') issues.push(...validateOfficeRecord(input.record), ...claimEdits(input.record));
  if (to === input.kind && input.kind !== 'fhir') to = 'fhir';
  const converted = convertInput(input, to, ctx);
  // The FHIR side was validated above: the converter's issues for the same resource would repeat them.
  if (input.kind !== 'fhir') issues.push(...converted.issues);
  else issues.push(...converted.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').filter((i) => !issues.some((j) => j.diagnostics === i.diagnostics)));
  const c = converted.value;
  const output = c === undefined ? undefined : c.to === 'fhir' ? { to: c.to, text: JSON.stringify(c.resource, null, 2) } : c.to === 'office' ? { to: c.to, text: JSON.stringify(c.records, null, 2) } : { to: c.to, text: c.text.replace(/\r/g, '\n') };
  return { kind: input.kind, issues, output };
}
