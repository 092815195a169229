import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Bundle, Coverage, Patient, RelatedPerson } from 'fhir/r4.js';
import { errorCodeOf, errorsOnly, formatIssue, type Issue } from '../../../src/domain/issues.js';
import { parseHl7 } from '../../../src/hl7/message.js';
import { runAdt } from '../../../src/flows/registration/flow.js';
import { buildAdt } from '../../../src/flows/registration/write.js';
import { readAdt } from '../../../src/flows/registration/read.js';
import { flowFor } from '../../../src/flows/registry.js';
import { registrationConverter } from '../../../src/flows/registration/converter.js';
import { emptyLookup, fhirOf, hl7v2Of, officeOf } from '../../../src/flows/types.js';
import { detectInput } from '../../../src/domain/input.js';
import { patientFromPid, patientToPd1, patientToPid } from '../../../src/flows/patient-from-pid.js';
import { validateOfficeRecord, validateResource } from '../../../src/validation/index.js';

const TZ = { timezone: 'America/New_York' };
const example = (f: string) => readFileSync(`examples/hl7v2/registration/${f}`, 'utf8');
const parse = (t: string) => parseHl7(t).value!;
const resources = (b: Bundle) => (b.entry ?? []).map((e) => e.resource!);
const where = (issues: Issue[]) => issues.map((i) => [errorCodeOf(i), i.expression?.[0]]);

describe('registration: inbound ADT', () => {
  it('A04 with two IN1 groups -> Patient, two Coverages in order, payers, a RelatedPerson; PUTs to deterministic ids', () => {
    const r = runAdt(parse(example('adt-a04-two-policies.hl7')), TZ);
    expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
    const b = r.value!.bundle;
    expect(b.type).to.equal('transaction');
    for (const e of b.entry!) {
      expect(e.request).to.deep.equal({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id}` });
      expect(errorsOnly(validateResource(e.resource, e.resource!.resourceType === 'Patient' ? { profile: 'fd-patient' } : e.resource!.resourceType === 'Coverage' ? { profile: 'fd-coverage' } : {}))).to.deep.equal([]);
    }
    const covs = resources(b).filter((x): x is Coverage => x.resourceType === 'Coverage');
    expect(covs.map((c) => [c.order, c.subscriberId])).to.deep.equal([[1, 'W123456789'], [2, 'MCD0099887']]);
    const rp = resources(b).find((x): x is RelatedPerson => x.resourceType === 'RelatedPerson')!;
    expect(covs[1]!.subscriber?.reference).to.equal(`RelatedPerson/${rp.id}`);
    expect(rp.identifier?.[0]).to.deep.equal({ system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-0000' }); // IN2.2
    expect(covs[0]!.subscriber?.reference).to.equal(`Patient/${resources(b)[0]!.id}`);
    const office = r.value!.office[0]!;
    expect(validateOfficeRecord(office)).to.deep.equal([]);
    expect(office).to.deep.include({ recordType: 'registration', mrn: 'MRN200311', familyName: 'Examplefamily', sex: 'F', maritalStatus: 'S', language: 'en' });
  });

  it('replaying a message yields identical output', () => {
    for (const f of ['adt-a04-two-policies.hl7', 'adt-a08-update.hl7', 'adt-a28-add-person.hl7', 'adt-a40-merge.hl7', 'adt-a01-admit.hl7']) {
      const once = runAdt(parse(example(f)), TZ);
      const twice = runAdt(parse(example(f)), TZ);
      expect(once.value, f).to.not.equal(undefined);
      expect(JSON.stringify(twice)).to.equal(JSON.stringify(once));
    }
  });

  it('A08 updates the same resources A04 created (same ids), with the new data', () => {
    const a04 = runAdt(parse(example('adt-a04-two-policies.hl7')), TZ).value!;
    const a08 = runAdt(parse(example('adt-a08-update.hl7')), TZ).value!;
    expect(resources(a08.bundle).map((x) => x.id)).to.deep.equal(resources(a04.bundle).map((x) => x.id));
    expect((a08.office[0] as { homePhone: string }).homePhone).to.equal('614-555-0199');
  });

  it('A28 (add person) and A01 (read as a registration update) give a Patient; an unlisted event says how it was read', () => {
    expect(runAdt(parse(example('adt-a28-add-person.hl7')), TZ).value!.bundle.entry).to.have.length(1);
    const a01 = runAdt(parse(example('adt-a01-admit.hl7')), TZ);
    expect(errorsOnly(a01.issues)).to.deep.equal([]);
    const a02 = runAdt(parse(example('adt-a01-admit.hl7').replace('ADT^A01^ADT_A01', 'ADT^A02^ADT_A02')), TZ);
    expect(a02.value).to.not.equal(undefined);
    expect(where(a02.issues)).to.deep.include(['MAP_INFO', 'MSH.9.2']);
    // An event whose meaning the flow does not carry (A29 delete person information) is refused at MSH.9.
    const a29 = runAdt(parse(example('adt-a01-admit.hl7').replace('ADT^A01^ADT_A01', 'ADT^A29^ADT_A21')), TZ);
    expect(a29.value).to.equal(undefined);
    expect(where(a29.issues)).to.deep.equal([['HL7_MESSAGE_TYPE', 'MSH.9']]);
    expect(flowFor('ADT^A29')).to.equal(undefined);
    expect(flowFor('ADT^A31')?.name).to.equal('adt-registration');
    expect(flowFor('ADT^A40')?.name).to.equal('adt-registration');
  });

  it('A40 merge -> surviving Patient (link replaces), retired Patient (inactive, replaced-by) and a merge instruction', () => {
    const r = runAdt(parse(example('adt-a40-merge.hl7')), TZ);
    expect(errorsOnly(r.issues)).to.deep.equal([]);
    const [survivor, retired] = resources(r.value!.bundle) as [Patient, Patient];
    expect(survivor.link).to.deep.equal([{ other: { reference: `Patient/${retired.id}` }, type: 'replaces' }]);
    expect(retired.active).to.equal(false);
    expect(retired.link).to.deep.equal([{ other: { reference: `Patient/${survivor.id}` }, type: 'replaced-by' }]);
    const m = r.value!.office[0]!;
    if (m.recordType !== 'merge-instruction') throw new Error(`not a merge instruction: ${m.recordType}`);
    expect(validateOfficeRecord(m)).to.deep.equal([]);
    expect(m).to.deep.include({ recordType: 'merge-instruction', survivingMrn: 'MRN200311', retiredMrn: 'MRN999001', survivingPatientId: survivor.id, retiredPatientId: retired.id });
    expect(m.moveReferences).to.include('Coverage.beneficiary');
    // The survivor has the same id as the one A04 registered.
    expect(survivor.id).to.equal(resources(runAdt(parse(example('adt-a04-two-policies.hl7')), TZ).value!.bundle)[0]!.id);
  });

  it('A40 merging a record into itself is a conflict at MRG.1', () => {
    const t = example('adt-a40-merge.hl7').replace('MRG|MRN999001', 'MRG|MRN200311');
    const r = runAdt(parse(t), TZ);
    expect(r.value).to.equal(undefined);
    expect(where(r.issues)).to.deep.include(['MAP_CONFLICT', 'MRG.1']);
  });

  it('PD1.4 primary care provider -> Patient.generalPractitioner (logical reference by NPI), and back', () => {
    const t = example('adt-a28-add-person.hl7').replace('\rPV1', '\rPD1||||1234567893^Welby^Marcus^^^^^^^^^^NPI\rPV1');
    const p = patientFromPid(parse(t), TZ).value!;
    expect(p.generalPractitioner?.[0]?.identifier).to.deep.equal({ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' });
    expect(patientToPid(p, TZ)[3]).to.deep.equal(['MRN200400', '', '', ['FRONTDESK'], 'MR']);
    expect(patientToPd1(p, TZ)![4]).to.deep.include.members(['1234567893']);
  });
});

describe('registration: outbound ADT', () => {
  const fhir = readAdt(parse(example('adt-a04-two-policies.hl7')), TZ).value!;

  for (const [event, structure, pv1] of [['A04', 'ADT_A01', 'O'], ['A08', 'ADT_A01', 'O'], ['A28', 'ADT_A05', 'N'], ['A31', 'ADT_A05', 'N']] as const) {
    it(`${event}: MSH.9 ${structure}, segments in structure order, PV1.2 ${pv1}`, () => {
      const msg = buildAdt(fhir, { ...TZ, event, now: new Date('2024-03-05T14:30:00Z') }).value!;
      expect(msg.msh.get(9, 1)).to.equal('ADT');
      expect(msg.msh.get(9, 2)).to.equal(event);
      expect(msg.msh.get(9, 3)).to.equal(structure);
      expect(msg.msh.get(7)).to.equal('20240305143000+0000');
      expect(msg.segments.map((s) => s.name)).to.deep.equal(['MSH', 'EVN', 'PID', 'PD1', 'NK1', 'PV1', 'GT1', 'IN1', 'IN1', 'IN2']);
      expect(msg.segment('PD1')!.get(4, 1)).to.equal('1234567893');
      expect(msg.segment('PV1')!.get(2)).to.equal(pv1);
      expect(msg.segment('IN1', 1)!.get(36)).to.equal('W123456789');
      expect(msg.segment('IN1', 2)!.get(17)).to.equal('SPO');
      expect(msg.segment('IN1', 2)!.get(22)).to.equal('2');
      // Same content, same MSH.10.
      expect(buildAdt(fhir, { ...TZ, event }).value!.controlId).to.equal(msg.controlId);
    });
  }

  it('refuses events it cannot send, naming MSH.9.2', () => {
    const r = buildAdt(fhir, { ...TZ, event: 'A03' });
    expect(r.value).to.equal(undefined);
    expect(where(r.issues)).to.deep.equal([['HL7_MESSAGE_TYPE', 'MSH.9.2']]);
  });
});

describe('registration: bad ADT input gives an issue at the field, never a crash or a silent drop', () => {
  const base = example('adt-a04-two-policies.hl7');
  const run = (t: string) => runAdt(parse(t), TZ);
  const setField = (t: string, segStart: RegExp, n: number, v: string) => t.replace(segStart, (seg) => {
    const f = seg.split('|');
    while (f.length <= n) f.push('');
    f[n] = v;
    return f.join('|');
  });
  const pid = (t: string, n: number, v: string) => t.replace(/PID\|[^\r]*/, (seg) => {
    const f = seg.split('|');
    while (f.length <= n) f.push('');
    f[n] = v;
    return f.join('|');
  });

  it('PID without an identifier -> PID.3', () => {
    const r = run(pid(base, 3, ''));
    expect(r.value).to.equal(undefined);
    expect(where(r.issues)).to.deep.include(['MAP_MISSING', 'PID.3']);
  });

  it('PID.7 not a date -> PID.7', () => {
    const r = run(pid(base, 7, '19790931'));
    expect(r.value).to.equal(undefined);
    expect(where(r.issues)).to.deep.include(['MAP_INVALID_DATE', 'PID.7']);
  });

  it('PID.7 an ISO 8601 date (not HL7, nothing else meant) -> read, with a warning naming PID.7', () => {
    const r = run(pid(base, 7, '1979-09-21'));
    expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
    expect(r.issues.find((i) => i.expression?.[0] === 'PID.7')?.severity).to.equal('warning');
    expect((r.value!.bundle.entry![0]!.resource as unknown as { birthDate: string }).birthDate).to.equal('1979-09-21');
  });

  it('unknown sex code -> unknown, with a warning naming PID.8 (tolerance policy)', () => {
    const r = run(pid(base, 8, 'Q'));
    expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
    expect(r.issues.find((i) => i.expression?.[0] === 'PID.8')?.severity).to.equal('warning');
    expect(where(r.issues)).to.deep.include(['MAP_UNKNOWN_CODE', 'PID.8']);
    expect((r.value!.bundle.entry![0]!.resource as unknown as { gender: string }).gender).to.equal('unknown');
  });

  for (const [sent, gender] of [['Female', 'female'], ['female', 'female'], ['MALE', 'male'], ['1', 'male'], ['2', 'female']] as const) {
    it(`sex "${sent}" -> ${gender}, with a warning naming PID.8`, () => {
      const r = run(pid(base, 8, sent));
      expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
      const w = r.issues.find((i) => i.expression?.[0] === 'PID.8')!;
      expect(w.severity).to.equal('warning');
      expect(w.diagnostics).to.contain(`"${sent}"`);
      expect((r.value!.bundle.entry![0]!.resource as unknown as { gender: string }).gender).to.equal(gender);
    });
  }

  it('IN1 without a member id (IN1.36 and IN1.49 empty) -> IN1[n].36; IN1.49 alone is used with a note', () => {
    const noMember = base.replace('W123456789', '');
    const r = run(noMember);
    // That one Coverage is left out with a warning; the Patient and the other Coverage are kept.
    expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
    expect(where(r.issues)).to.deep.include(['MAP_SKIPPED', 'IN1[1].36']);
    expect(r.issues.find((i) => i.expression?.[0] === 'IN1[1].36')!.severity).to.equal('warning');
    const types = r.value!.bundle.entry!.map((e) => e.resource!.resourceType);
    expect(types.filter((t) => t === 'Patient')).to.have.length(1);
    expect(types.filter((t) => t === 'Coverage')).to.have.length(run(base).value!.bundle.entry!.filter((e) => e.resource!.resourceType === 'Coverage').length - 1);
    const viaIn149 = setField(noMember, /IN1\|1\|[^\r]*/, 49, 'ALT-ID-49');
    const ok = run(viaIn149);
    expect(errorsOnly(ok.issues).map(formatIssue)).to.deep.equal([]);
    expect(where(ok.issues)).to.deep.include(['MAP_INFO', 'IN1[1].49']);
    expect((ok.value!.office[0] as { insurance: Array<{ memberId: string }> }).insurance[0]!.memberId).to.equal('ALT-ID-49');
  });

  it('a truncated PID (ends before PID.8) -> PID.8, saying where the segment ends', () => {
    const t = base.replace(/PID\|[^\r]*/, 'PID|1||MRN200311^^^FRONTDESK^MR||Examplefamily^Casey');
    const r = run(t);
    expect(r.value).to.equal(undefined);
    const i = r.issues.find((x) => x.expression?.[0] === 'PID.8')!;
    expect(errorCodeOf(i)).to.equal('MAP_MISSING');
    expect(i.diagnostics).to.contain('ends at field 5');
  });

  it('a truncated IN1 (cut before IN1.36) -> that Coverage skipped with a warning naming IN1[2].36', () => {
    const t = base.replace(/IN1\|2\|[^\r]*/, 'IN1|2||SKCO0|Sample State Medicaid');
    const r = run(t);
    expect(where(r.issues)).to.deep.include(['MAP_SKIPPED', 'IN1[2].36']);
    expect(errorsOnly(r.issues).map(formatIssue)).to.deep.equal([]);
    expect(r.value!.bundle.entry!.some((e) => e.resource!.resourceType === 'Patient')).to.equal(true);
  });

  it('a message cut off in the middle of a segment still reports, never throws', () => {
    const cut = base.slice(0, base.indexOf('IN1|2') + 12);
    const r = run(cut);
    expect(r.issues.length).to.be.greaterThan(0);
  });

  it('custom delimiters (MSH|#!$*) read the same as the standard ones; a bad field is still named', () => {
    const custom = base.split('\r').map((seg) => seg.startsWith('MSH') ? seg.replace('^~\\&', '#!$*').replace(/\^/g, '#') : seg.replace(/\^/g, '#').replace(/~/g, '!').replace(/&/g, '*')).join('\r');
    expect(custom.startsWith('MSH|#!$*|')).to.equal(true);
    const a = run(base), b = run(custom);
    expect(errorsOnly(b.issues).map(formatIssue)).to.deep.equal([]);
    expect(b.value!.office).to.deep.equal(a.value!.office);
    expect(b.value!.bundle).to.deep.equal(a.value!.bundle);
    expect(where(run(pid(custom, 7, 'notadate')).issues)).to.deep.include(['MAP_INVALID_DATE', 'PID.7']);
  });

  it('no PID at all -> PID', () => {
    const r = run(base.replace(/PID\|[^\r]*\r/, ''));
    expect(r.value).to.equal(undefined);
    expect(where(r.issues)).to.deep.include(['HL7_SEGMENT_MISSING', 'PID']);
  });
});

describe('registration: examples round trip through ADT, and the registered converter and flow', () => {
  const offices = readdirSync('examples/office').filter((f) => /^registration-.*\.json$/.test(f));
  const ctx = { timezone: 'America/New_York', lookup: emptyLookup };

  for (const f of offices) {
    for (const event of ['A04', 'A08', 'A28', 'A31']) {
      it(`${f}: office -> ${event} -> office is equal`, () => {
        const text = readFileSync(`examples/office/${f}`, 'utf8');
        const hl7 = registrationConverter.convert(detectInput(text).value!, 'hl7v2', { ...ctx, event });
        expect(errorsOnly(hl7.issues).map(formatIssue)).to.deep.equal([]);
        const back = registrationConverter.convert(detectInput(hl7v2Of(hl7.value)!).value!, 'office', ctx);
        expect(errorsOnly(back.issues).map(formatIssue)).to.deep.equal([]);
        expect(officeOf(back.value)).to.deep.equal([JSON.parse(text)]);
      });
    }
  }

  it('the converter takes a lone FHIR Patient, a Bundle of registration resources, and refuses a Bundle of other things', () => {
    const bundle = runAdt(parse(example('adt-a04-two-policies.hl7')), TZ).value!.bundle;
    const patient = bundle.entry![0]!.resource! as Patient;
    const fromPatient = registrationConverter.convert({ kind: 'fhir', resource: patient }, 'office', ctx);
    expect(errorsOnly(fromPatient.issues)).to.deep.equal([]);
    const record = officeOf(fromPatient.value)?.[0];
    expect(record).to.include({ recordType: 'registration' });
    expect(record).to.not.have.property('insurance');
    expect(registrationConverter.accepts({ kind: 'fhir', resource: bundle })).to.equal(true);
    expect(registrationConverter.accepts({ kind: 'fhir', resource: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient }, { resource: { resourceType: 'Claim' } as never }] } })).to.equal(false);
    expect(registrationConverter.accepts({ kind: 'office', recordType: 'appointment', record: {} })).to.equal(false);
    const office = registrationConverter.convert(detectInput(readFileSync('examples/office/registration-basic.json', 'utf8')).value!, 'fhir', ctx);
    const b = fhirOf(office.value) as Bundle;
    expect(b.type).to.equal('transaction');
    expect(b.entry!.every((e) => e.request?.method === 'PUT' && e.request.url === `${e.resource!.resourceType}/${e.resource!.id}`)).to.equal(true);
  });

  it('the registry routes ADT to the registration flow, which returns a Bundle and the office record', () => {
    const msg = parse(example('adt-a04-two-policies.hl7'));
    const flow = flowFor(msg.messageType)!;
    const out = flow.run(msg, ctx);
    expect(errorsOnly(out.issues)).to.deep.equal([]);
    expect(out.value!.bundle.entry!.length).to.equal(6);
    expect(out.value!.office.map((o) => o.recordType)).to.deep.equal(['registration']);
  });
});

describe('registration: the flow against stored state', () => {
  const msgOf = (f: string) => parseHl7(readFileSync(`examples/hl7v2/registration/${f}`, 'utf8')).value!;
  it('says when an A08 updates an unknown patient or an A40 retires an unknown record, and is quiet when they are stored', () => {
    const a08 = msgOf('adt-a08-update.hl7');
    const flow = flowFor('ADT^A08')!;
    const empty = flow.run(a08, { timezone: 'America/New_York', lookup: emptyLookup });
    expect(empty.issues.map((i) => [errorCodeOf(i), i.expression?.[0]])).to.deep.include(['MAP_INFO', 'PID.3']);
    const stored = empty.value!.bundle.entry![0]!.resource!;
    const known = { get: (t: string, id: string) => (t === 'Patient' && id === stored.id ? stored : undefined) };
    expect(flow.run(a08, { timezone: 'America/New_York', lookup: known }).issues.filter((i) => i.expression?.[0] === 'PID.3')).to.deep.equal([]);
    const a40 = flow.run(msgOf('adt-a40-merge.hl7'), { timezone: 'America/New_York', lookup: emptyLookup });
    expect(a40.issues.map((i) => [errorCodeOf(i), i.expression?.[0]])).to.deep.include(['MAP_INFO', 'MRG.1']);
  });
});
