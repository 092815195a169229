import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';

function frontdesk(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['bin/frontdesk.js', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('registration: frontdesk convert (CLI)', function () {
  this.timeout(120_000);
  const office = 'examples/office/registration-two-policies.json';
  const a04 = 'examples/hl7v2/registration/adt-a04-two-policies.hl7';

  it('office -> hl7v2 with --event, and the ADT back to the same office record', () => {
    const hl7 = frontdesk(['convert', office, '--to', 'hl7v2', '--event', 'A31']);
    expect(hl7.code, hl7.err).to.equal(0);
    expect(hl7.out).to.match(/^MSH\|\^~\\&\|FRONTDESK\|FRONTDESK\|\|\|\d{14}\+0000\|\|ADT\^A31\^ADT_A05\|/);
    const back = frontdesk(['convert', '-', '--to', 'office'], hl7.out);
    expect(back.code, back.err).to.equal(0);
    expect(JSON.parse(back.out)).to.deep.equal(JSON.parse(readFileSync(office, 'utf8')));
  });

  it('hl7v2 -> fhir prints a transaction Bundle; FHIR -> office reads it back', () => {
    const fhir = frontdesk(['convert', a04, '--to', 'fhir']);
    expect(fhir.code, fhir.err).to.equal(0);
    const bundle = JSON.parse(fhir.out) as Bundle;
    expect(bundle.type).to.equal('transaction');
    expect(bundle.entry!.map((e) => e.resource!.resourceType)).to.deep.equal(['Patient', 'Organization', 'Organization', 'RelatedPerson', 'Coverage', 'Coverage']);
    const rec = frontdesk(['convert', '-', '--to', 'office'], fhir.out);
    expect(rec.code, rec.err).to.equal(0);
    expect(JSON.parse(rec.out)).to.deep.include({ recordType: 'registration', mrn: 'MRN200311' });
    const a08 = frontdesk(['convert', '-', '--to', 'hl7v2', '--event', 'A08'], fhir.out);
    expect(a08.code, a08.err).to.equal(0);
    expect(a08.out).to.contain('ADT^A08^ADT_A01');
  });

  it('A40 -> office prints the merge instruction', () => {
    const r = frontdesk(['convert', 'examples/hl7v2/registration/adt-a40-merge.hl7', '--to', 'office']);
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.include({ recordType: 'merge-instruction', retiredMrn: 'MRN999001' });
  });

  it('invalid input prints an OperationOutcome naming the field and exits 1', () => {
    // A date that is not a date loses meaning: an error naming PID.7, from convert and validate alike.
    const bad = readFileSync(a04, 'utf8').replace('|19790921|F|', '|19790931|F|');
    const r = frontdesk(['convert', '-', '--to', 'fhir'], bad);
    expect(r.code).to.equal(1);
    const oo = JSON.parse(r.out) as OperationOutcome;
    expect(oo.resourceType).to.equal('OperationOutcome');
    expect(oo.issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0])).to.include('PID.7');
    const v = frontdesk(['validate', '-'], bad);
    expect(v.code).to.equal(1);
    expect((JSON.parse(v.out) as OperationOutcome).issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0])).to.include('PID.7');
    const rec = JSON.parse(readFileSync(office, 'utf8'));
    delete rec.insurance[0].memberId;
    const r2 = frontdesk(['convert', '-', '--to', 'hl7v2'], JSON.stringify(rec));
    expect(r2.code).to.equal(1);
    expect((JSON.parse(r2.out) as OperationOutcome).issue.map((i) => i.expression?.[0])).to.include('insurance[0].memberId');
  });

  it('an event registration cannot send (A03) exits 1 naming MSH.9.2', () => {
    const r = frontdesk(['convert', office, '--to', 'hl7v2', '--event', 'A03']);
    expect(r.code).to.equal(1);
    const errors = (JSON.parse(r.out) as OperationOutcome).issue.filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.expression)).to.deep.equal([['MSH.9.2']]);
  });
});
