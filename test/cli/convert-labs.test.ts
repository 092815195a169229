import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { LABS } from '../support/labs.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [resolve('bin/frontdesk.js'), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

describe('labs: CLI `frontdesk convert <oru> --to fhir|office`', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'fd-labs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the transaction Bundle and exits 0', () => {
    const r = cli('convert', join(LABS, 'oru-r01-cbc-final.hl7'), '--to', 'fhir');
    expect(r.status, r.stdout.slice(0, 2000)).to.equal(0);
    const b = JSON.parse(r.stdout) as Bundle;
    expect(b.resourceType).to.equal('Bundle');
    expect(b.type).to.equal('transaction');
    // The performing lab is in OBX-23 (performing organization name): an Organization, the Observations' performer.
    expect(b.entry!.map((e) => e.resource!.resourceType)).to.deep.equal(['Patient', 'Specimen', ...Array(6).fill('Observation'), 'DiagnosticReport', 'ServiceRequest', 'Practitioner', 'Organization']);
    const org = b.entry!.find((e) => e.resource!.resourceType === 'Organization')!.resource as { name?: string };
    expect(org.name).to.equal('ACME Reference Lab');
    const obs = b.entry!.filter((e) => e.resource!.resourceType === 'Observation').map((e) => e.resource as { performer?: Array<{ reference?: string }> });
    expect(obs.every((o) => o.performer?.some((p) => p.reference === b.entry!.find((e) => e.resource!.resourceType === 'Organization')!.fullUrl))).to.equal(true);
  });

  it('prints the results-inbox record with --to office', () => {
    const r = cli('convert', join(LABS, 'oru-r01-cbc-corrected.hl7'), '--to', 'office');
    expect(r.status, r.stdout.slice(0, 2000)).to.equal(0);
    const rec = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(rec).to.deep.include({ recordType: 'results-inbox-item', reportStatus: 'corrected', isCorrection: true, abnormalFlag: 'critical' });
  });

  it('reads a message from standard input', () => {
    const r = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), 'convert', '-', '--to', 'fhir'], {
      encoding: 'utf8', input: `MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|SFP|20240301163000-0500||ORU^R01|C1|P|2.5.1\rPID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F\rOBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F\rOBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F\r`,
    });
    expect(r.status, r.stdout.slice(0, 2000)).to.equal(0);
    expect((JSON.parse(r.stdout) as Bundle).entry!.map((e) => e.resource!.resourceType)).to.deep.equal(['Patient', 'Observation', 'DiagnosticReport', 'ServiceRequest']);
  });

  it('exits 1 with an OperationOutcome naming the OBX field on bad input', () => {
    const file = join(dir, 'bad.hl7');
    writeFileSync(file, [
      'MSH|^~\\&|ACMELAB|ACME Reference Lab|FRONTDESK|SFP|20240301163000-0500||ORU^R01|C2|P|2.5.1',
      'PID|1||MRN4711^^^FRONTDESK^MR||Sample^Robin||19850412|F',
      'OBR|1|ORD1^FDORDERS|LAB1^ACMELAB|2345-7^Glucose^LN|||20240301081500-0500|||||||||||||||20240301163000-0500|||F',
      'OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|135-145|N|||F',
      'OBX|2|NM|2345-7^Glucose^LN||high|mg/dL|||||F',
    ].join('\r'));
    const r = cli('convert', file, '--to', 'fhir');
    expect(r.status).to.equal(1);
    const oo = JSON.parse(r.stdout) as OperationOutcome;
    const errs = oo.issue.filter((i) => i.severity === 'error');
    expect(errs.map((i) => i.expression?.[0])).to.deep.equal(['OBX[2].5']);
  });

  it('converts the generated 5 MB PDF report', () => {
    const gen = spawnSync(process.execPath, ['--import', 'tsx', resolve('examples/hl7v2/labs/generate.ts'), dir], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).to.equal(0);
    const r = cli('convert', join(dir, 'oru-r01-pdf-5mb.hl7'), '--to', 'fhir');
    expect(r.status, r.stdout.slice(0, 2000)).to.equal(0);
    const b = JSON.parse(r.stdout) as Bundle;
    const dr = b.entry!.find((e) => e.resource?.resourceType === 'DiagnosticReport')!.resource as unknown as { presentedForm: Array<{ data: string }> };
    expect(dr.presentedForm[0]!.data.length).to.be.greaterThan(5 * 1024 * 1024);
  });
});
