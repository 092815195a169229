/**
 * One conversion path for every edge that converts or checks an input outside the gateway's
 * pipeline (`frontdesk convert`, `frontdesk validate`): for an HL7v2 message the message profile
 * check judged by the tolerance policy (src/hl7/tolerance.ts), then the vertical's Converter. So
 * `validate` and `convert` say the same thing about the same message: what one rejects, the other
 * rejects, at the same field.
 */
import { hasErrors, issue, type Issue, type Result } from '../domain/issues.js';
import type { DetectedInput } from '../domain/input.js';
import { validateMessage } from '../hl7/validate.js';
import { applyTolerance, DEFAULT_VALIDATION_MODE, type ValidationMode } from '../hl7/tolerance.js';
import { converters } from './registry.js';
import type { Converted, FlowContext, Target } from './types.js';

/** The same issue twice (the profile and the flow both naming MSH.9) is said once. */
function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.details?.coding?.[0]?.code}|${i.expression?.join(',')}`;
    if (i.expression?.[0] !== 'MSH.9') return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Convert an input to the target; for HL7v2, the profile check (by `mode`) comes first. */
export function convertInput(input: DetectedInput, to: Target, ctx: FlowContext, mode: ValidationMode = DEFAULT_VALIDATION_MODE): Result<Converted> {
  const converter = converters.find((c) => c.accepts(input));
  if (input.kind !== 'hl7v2') {
    if (!converter) {
      const what = input.kind === 'fhir' ? input.resource.resourceType : input.recordType;
      return { value: undefined, issues: [issue('HL7_MESSAGE_TYPE', `No converter handles ${input.kind} input "${what}".`, input.kind === 'fhir' ? 'resourceType' : 'recordType')] };
    }
    return converter.convert(input, to, ctx);
  }
  const profile = applyTolerance(validateMessage(input.message), mode);
  if (!converter) {
    return { value: undefined, issues: dedupe([...profile, issue('HL7_MESSAGE_TYPE', `No converter handles HL7v2 ${input.message.messageType} (MSH-9).`, 'MSH.9')]) };
  }
  // A strict channel stops at the profile, as the gateway does (no output when the message does not conform);
  // a type or event the gateway does not handle stops every mode: MSH.9 says it all.
  if (mode === 'strict' && hasErrors(profile)) return { value: undefined, issues: profile };
  if (profile.some((i) => i.severity === 'error' && i.expression?.[0] === 'MSH.9')) return { value: undefined, issues: profile };
  const out = converter.convert(input, to, ctx);
  const issues = dedupe([...profile, ...out.issues]);
  return { value: hasErrors(issues) ? undefined : out.value, issues };
}
