/** `frontdesk validate` end to end: spawns node bin/frontdesk.js and checks output and exit codes. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function run(args: string[], input?: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), 'validate', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, FRONTDESK_PROFILE_DIR: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const codes = (stdout: string): string[] =>
  (JSON.parse(stdout) as { issue: { severity: string; details?: { coding?: { code: string }[] }; expression?: string[] }[] }).issue
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.details?.coding?.[0]?.code}@${i.expression?.join(',')}`);

describe('cli: frontdesk validate', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-cli-validate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a folder in one process: every FHIR example valid, one line per file and a summary, exit 0', () => {
    const r = run(['examples/fhir']);
    expect(r.code, r.stdout).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    const files = readdirSync('examples/fhir').filter((f) => f.endsWith('.json'));
    for (const f of files) expect(lines, f).to.include.members([`${join('examples/fhir', f)}  valid`]);
    expect(lines).to.include(`${files.length} file(s): ${files.length} valid, 0 invalid`);
    // information is counted, never one line per resource
    expect(lines.filter((l) => l.startsWith('information dom-6')).length).to.be.at.most(1);
    expect(r.stderr).to.equal('');
  });

  it('an invalid resource: exit 1, the issue with code and expression', () => {
    const p = JSON.parse(readFileSync('examples/fhir/patient.json', 'utf8'));
    p.gender = 'F';
    const file = join(dir, 'bad-patient.json');
    writeFileSync(file, JSON.stringify(p));
    const r = run([file]);
    expect(r.code).to.equal(1);
    expect(codes(r.stdout)).to.deep.equal(['FHIR_CODE_INVALID@Patient.gender']);
  });

  it('--format text prints a readable table and the verdict', () => {
    const p = JSON.parse(readFileSync('examples/fhir/patient.json', 'utf8'));
    delete p.name;
    const r = run(['-', '--format', 'text'], JSON.stringify(p));
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/^severity\s+code\s+location\s+diagnostics/);
    expect(r.stdout).to.match(/error\s+FHIR_REQUIRED\s+Patient\.name\s+name is required/);
    expect(r.stdout.trim().split('\n').pop()).to.equal('INVALID: 1 error(s)');
  });

  it('--profile by id and by canonical URL', () => {
    expect(run(['examples/fhir/claim-bundle.json', '--profile', 'fd-claim-bundle']).code).to.equal(0);
    const r = run(['examples/fhir/patient.json', '--profile', 'http://frontdesk.example.org/fhir/StructureDefinition/fd-claim']);
    expect(r.code).to.equal(1);
    expect(codes(r.stdout)).to.deep.equal(['FHIR_RESOURCE_TYPE@Patient.resourceType']);
  });

  it('an unknown --profile is a usage error: exit 2, said on stderr, nothing validated', () => {
    const r = run(['examples/fhir/patient.json', '--profile', 'http://example.org/nope']);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain('--profile "http://example.org/nope" is not loaded');
  });

  it('--profile-dir loads a dropped-in profile to validate by URL', () => {
    const profiles = join(dir, 'profiles');
    rmSync(profiles, { recursive: true, force: true });
    writeFileSync(join(dir, 'placeholder'), '');
    spawnSync('mkdir', ['-p', profiles]);
    writeFileSync(join(profiles, 'strict-coverage.json'), JSON.stringify({
      resourceType: 'StructureDefinition', id: 'strict-coverage', url: 'http://practice.example.org/StructureDefinition/strict-coverage',
      name: 'StrictCoverage', status: 'active', kind: 'resource', abstract: false, type: 'Coverage',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Coverage', derivation: 'constraint',
      differential: { element: [{ id: 'Coverage', path: 'Coverage' }, { id: 'Coverage.dependent', path: 'Coverage.dependent', min: 1 }] },
    }));
    const r = run(['examples/fhir/coverage.json', '--profile-dir', profiles, '--profile', 'http://practice.example.org/StructureDefinition/strict-coverage']);
    expect(r.code).to.equal(1);
    expect(codes(r.stdout)).to.deep.equal(['FHIR_REQUIRED@Coverage.dependent']);
    // the same folder through the environment
    const viaEnv = run(['examples/fhir/coverage.json', '--profile', 'strict-coverage'], undefined, { FRONTDESK_PROFILE_DIR: profiles });
    expect(codes(viaEnv.stdout)).to.deep.equal(['FHIR_REQUIRED@Coverage.dependent']);
  });

  it('an HL7v2 message is checked against its message profile', () => {
    const msg = 'MSH|^~\\&|EHR|CLINIC|GW|FD|20240305093000-0500||ADT^A04^ADT_A01|MSG0001|P|2.5.1\rEVN|A04|20240305093000-0500\rPID|1||MRN000123^^^CLINIC^MR||Testperson^Alex||19800412|F\rPV1|1|O\r';
    const r = run(['-'], msg);
    expect(r.code, r.stdout).to.equal(0);
    // A date that is no date (April 31) is an error at PID.7 in every mode.
    const broken = run(['-'], msg.replace('|19800412|F', '|19800431|F'));
    expect(broken.code).to.equal(1);
    expect(codes(broken.stdout).some((c) => c.endsWith('@PID.7'))).to.equal(true);
    // An ISO 8601 date is tolerated (a warning, docs/hl7v2.md); a strict check keeps the profile error.
    const iso = msg.replace('|19800412|F', '|1980-04-12|F');
    expect(run(['-'], iso).code).to.equal(0);
    const strict = run(['-', '--validation', 'strict'], iso);
    expect(strict.code).to.equal(1);
    expect(codes(strict.stdout).some((c) => c.endsWith('@PID.7'))).to.equal(true);
  });

  it('an office record is checked against the schema of its recordType', () => {
    const r = run(['-'], JSON.stringify({ recordType: 'no-such-record' }));
    expect(r.code).to.equal(1);
    expect(codes(r.stdout)).to.deep.equal(['OFFICE_SCHEMA@recordType']);
  });

  it('usage errors and unreadable input exit 2', () => {
    expect(run(['examples/fhir/patient.json', '--format', 'xml']).code).to.equal(2);
    expect(run([join(dir, 'missing.json')]).code).to.equal(2);
    expect(run([]).code).to.equal(2);
  });

  it('input that is not JSON, HL7 or a known shape exits 1 with an issue', () => {
    const r = run(['-'], '{ "resourceType": ');
    expect(r.code).to.equal(1);
    expect(codes(r.stdout)).to.deep.equal(['JSON_INVALID@undefined']);
  });
});
