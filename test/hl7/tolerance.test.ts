/**
 * The tolerance policy (docs/hl7v2.md, src/hl7/tolerance.ts) applied to real flows, through the
 * one path `frontdesk validate` and `frontdesk convert` share (convertInput): each fault gives the
 * severity and the location the policy table says, and validate and convert agree.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Appointment, Bundle, Coverage } from 'fhir/r4.js';
import { detectInput } from '../../src/domain/input.js';
import { errorCodeOf, errorsOnly, type Issue } from '../../src/domain/issues.js';
import { convertInput } from '../../src/flows/convert-input.js';
import { emptyLookup, fhirOf } from '../../src/flows/types.js';
import { applyTolerance, type ValidationMode } from '../../src/hl7/tolerance.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { parseHl7 } from '../../src/hl7/message.js';

const ctx = { timezone: 'America/New_York', lookup: emptyLookup };
const example = (f: string) => readFileSync(`examples/hl7v2/${f}`, 'utf8');
const ADT = example('adt-a04.hl7');
const SIU = example('siu-s12.hl7');
const ORU = example('oru-r01.hl7');

/** Set field n (1-based, MSH counts MSH-1 as the separator) of the first segment `name`. */
function setField(text: string, name: string, n: number, v: string): string {
  return text.split('\r').map((seg) => {
    if (!seg.startsWith(`${name}|`)) return seg;
    const f = seg.split('|');
    const i = name === 'MSH' ? n - 1 : n;
    while (f.length <= i) f.push('');
    f[i] = v;
    return f.join('|');
  }).join('\r');
}

function convert(text: string, mode?: ValidationMode) {
  const d = detectInput(text);
  return convertInput(d.value!, 'fhir', ctx, mode);
}
const errs = (issues: Issue[]) => errorsOnly(issues).map((i) => `${errorCodeOf(i)}@${i.expression?.[0]}`);
const at = (issues: Issue[], loc: string) => issues.filter((i) => i.expression?.[0] === loc);

describe('hl7/tolerance: the policy table, applied inbound', () => {
  it('"" (HL7 null) in IN1-12/IN1-13 is explicitly absent: no date error, a Coverage without period', () => {
    const text = ADT.replace('|20240101|20241231|', '|""|""|');
    const out = convert(text);
    expect(errs(out.issues)).to.deep.equal([]);
    const cov = (fhirOf(out.value) as Bundle).entry!.map((e) => e.resource!).find((r) => r.resourceType === 'Coverage') as Coverage;
    expect(cov.period).to.equal(undefined);
    expect(errs(applyTolerance(validateMessage(parseHl7(text).value!)))).to.deep.equal([]);
  });

  it('a trailing space in SCH-11.4: trimmed with a warning; validate and convert agree (no error in either)', () => {
    const text = SIU.replace('^^30^20240315090000-0500^', '^^30^20240315090000-0500 ^');
    const out = convert(text);
    expect(errs(out.issues)).to.deep.equal([]);
    expect(at(out.issues, 'SCH.11').map((i) => i.severity)).to.include('warning');
    const appt = (fhirOf(out.value) as Bundle).entry!.map((e) => e.resource!).find((r) => r.resourceType === 'Appointment') as Appointment;
    expect(appt.start).to.equal('2024-03-15T09:00:00-05:00');
    // validate (default mode) says the same: a warning, not an error; strict keeps the profile error.
    expect(errs(applyTolerance(validateMessage(parseHl7(text).value!)))).to.deep.equal([]);
    expect(errs(applyTolerance(validateMessage(parseHl7(text).value!), 'strict'))).to.not.deep.equal([]);
  });

  it('two OBR groups with the same OBR-3: an error naming OBR[2].3, not bdl-7 at Bundle', () => {
    const lines = ORU.split('\r').filter(Boolean);
    const obr = lines.findIndex((l) => l.startsWith('OBR|'));
    const second = lines.slice(obr).map((l) => l.replace(/^OBR\|1\|ORD-5531/, 'OBR|2|ORD-5532'));
    const text = [...lines, ...second].join('\r') + '\r';
    const out = convert(text);
    expect(out.value).to.equal(undefined);
    expect(errs(out.issues)).to.deep.equal(['MAP_CONFLICT@OBR[2].3']);
  });

  it('an unsupported message type: one error naming MSH.9, in validate and convert alike', () => {
    const text = setField(ADT, 'MSH', 9, 'BAR^P01^BAR_P01');
    expect(errs(convert(text).issues)).to.deep.equal(['HL7_MESSAGE_TYPE@MSH.9']);
    expect(errs(applyTolerance(validateMessage(parseHl7(text).value!)))).to.deep.equal(['HL7_MESSAGE_TYPE@MSH.9']);
  });

  it('ADT^A02 (a transfer, read as a registration update): validate and convert agree that it converts', () => {
    const text = setField(ADT, 'MSH', 9, 'ADT^A02^ADT_A02');
    expect(errs(convert(text).issues)).to.deep.equal([]);
    expect(errs(applyTolerance(validateMessage(parseHl7(text).value!)))).to.deep.equal([]);
  });

  it('no MSH-10 (control id) and no PID-3 (patient identifier): errors naming MSH.10 and PID.3 in every mode but lenient', () => {
    const noControl = setField(ADT, 'MSH', 10, '');
    expect(errs(convert(noControl).issues)).to.include('HL7_FIELD_REQUIRED@MSH.10');
    const noPid3 = setField(ADT, 'PID', 3, '');
    expect(errs(convert(noPid3).issues)).to.include('HL7_FIELD_REQUIRED@PID.3');
    // lenient: the profile only informs; the mapping still refuses a patient without identifier.
    expect(errs(convert(noPid3, 'lenient').issues)).to.include('MAP_MISSING@PID.3');
  });

  it('an OBX-5 that is not its OBX-2 type: an error naming OBX[n].5', () => {
    const text = ORU.replace('|NM|2345-7^Glucose^LN|1|87.4|', '|NM|2345-7^Glucose^LN|1|eighty|');
    const out = convert(text);
    expect(out.value).to.equal(undefined);
    expect(errs(out.issues)).to.include('HL7_DATATYPE@OBX[1].5');
  });

  it('a fault in a field the mapping does not read (MSH-15 outside table 0155) is a warning in tolerant mode, an error in strict', () => {
    const text = setField(ADT, 'MSH', 15, 'XX');
    const tolerant = convert(text);
    expect(errs(tolerant.issues)).to.deep.equal([]);
    expect(tolerant.issues.some((i) => i.severity === 'warning' && i.expression?.[0] === 'MSH.15')).to.equal(true);
    expect(errs(convert(text, 'strict').issues)).to.include('HL7_TABLE_VALUE@MSH.15');
  });
});
