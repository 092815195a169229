/**
 * The CLI made for folders: `frontdesk validate <files|dirs>...` and `frontdesk convert <dirs> --out`.
 * Spawns bin/frontdesk.js once per scenario (each run handles many files in one process).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve('bin/frontdesk.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FRONTDESK_PROFILE_DIR: '', ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: folders of files (validate and convert)', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-cli-folders-'));
    mkdirSync(join(dir, 'in', 'nested'), { recursive: true });
    cpSync('examples/fhir/patient.json', join(dir, 'in', 'patient.json'));
    cpSync('examples/hl7v2/adt-a04.hl7', join(dir, 'in', 'nested', 'adt-a04.hl7'));
    const bad = JSON.parse(readFileSync('examples/fhir/coverage.json', 'utf8'));
    delete bad.status;
    writeFileSync(join(dir, 'in', 'nested', 'coverage-no-status.json'), JSON.stringify(bad));
    writeFileSync(join(dir, 'in', 'notes.txt'), 'not an input: skipped by extension');
    writeFileSync(join(dir, 'in', '.hidden.json'), '{');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: folders walked, one line per file with the first error and its location, a summary, exit 1', () => {
    const r = run(['validate', join(dir, 'in'), 'examples/fhir/claim.json']);
    expect(r.code, r.stderr).to.equal(1);
    const lines = r.stdout.trim().split('\n');
    // valid, possibly with warnings of the inbound tolerance policy: `valid (n warnings)`
    expect(lines[0]).to.match(new RegExp(`^${join(dir, 'in', 'nested', 'adt-a04.hl7')}  valid( \\(\\d+ warnings?\\))?$`));
    expect(lines[1]).to.match(new RegExp(`^${join(dir, 'in', 'nested', 'coverage-no-status.json')}  INVALID \\(1 error\\) FHIR_REQUIRED at Coverage.status: `));
    expect(lines[2]).to.equal(`${join(dir, 'in', 'patient.json')}  valid`);
    expect(lines[3]).to.equal('examples/fhir/claim.json  valid');
    expect(lines[4]).to.equal('4 file(s): 3 valid, 1 invalid');
    expect(r.stdout).to.not.contain('notes.txt');
    expect(r.stdout).to.not.contain('.hidden');
  });

  it('validate --format json: one OperationOutcome per file as JSON lines, naming its file, every issue kept', () => {
    const r = run(['validate', join(dir, 'in'), '--format', 'json']);
    expect(r.code).to.equal(1);
    const outcomes = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { resourceType: string; extension: { valueString: string }[]; issue: { severity: string; diagnostics: string }[] });
    expect(outcomes.map((o) => o.resourceType)).to.deep.equal(['OperationOutcome', 'OperationOutcome', 'OperationOutcome']);
    expect(outcomes.map((o) => o.extension[0]!.valueString)).to.deep.equal([
      join(dir, 'in', 'nested', 'adt-a04.hl7'), join(dir, 'in', 'nested', 'coverage-no-status.json'), join(dir, 'in', 'patient.json'),
    ]);
    // JSON keeps the information the text output only counts
    expect(outcomes[2]!.issue.some((i) => i.severity === 'information' && i.diagnostics.startsWith('dom-6'))).to.equal(true);
  });

  it('validate: a path that does not exist and an unknown --profile are usage errors (exit 2)', () => {
    expect(run(['validate', join(dir, 'in'), join(dir, 'nope')]).code).to.equal(2);
    const r = run(['validate', join(dir, 'in'), '--profile', 'no-such-profile']);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
  });

  it('a closed stdout (| head) ends quietly: no EPIPE, no stack trace', () => {
    const files = join(dir, 'many');
    mkdirSync(files, { recursive: true });
    for (let i = 0; i < 300; i++) cpSync('examples/fhir/patient.json', join(files, `p${String(i).padStart(3, '0')}.json`));
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" validate "${files}" | head -n 1`], { encoding: 'utf8', env: { ...process.env, FRONTDESK_PROFILE_DIR: '' }, timeout: 120_000 });
    expect(r.stdout.trim()).to.equal(`${join(files, 'p000.json')}  valid`);
    expect(r.stderr).to.not.match(/EPIPE|Error|at /);
  });

  it('convert a folder into --out: the relative layout kept, one line per file, a summary; failures exit 1', () => {
    const out = join(dir, 'out');
    const r = run(['convert', join(dir, 'in'), '--to', 'fhir', '--out', out]);
    expect(r.code).to.equal(1); // the coverage without status fails
    expect(existsSync(join(out, 'nested', 'adt-a04.json'))).to.equal(true);
    expect(existsSync(join(out, 'patient.json'))).to.equal(true);
    expect(existsSync(join(out, 'nested', 'coverage-no-status.json'))).to.equal(false);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(new RegExp(`^${join(dir, 'in', 'nested', 'adt-a04.hl7')} -> ${join(out, 'nested', 'adt-a04.json')}`));
    expect(lines[1]).to.match(/coverage-no-status.json {2}FAILED [A-Z_]+ at /);
    expect(lines).to.include('3 file(s): 2 converted, 1 failed');
    const bundle = JSON.parse(readFileSync(join(out, 'nested', 'adt-a04.json'), 'utf8')) as { resourceType: string };
    expect(bundle.resourceType).to.equal('Bundle');
    // what convert wrote validates as a folder
    const again = run(['validate', out]);
    expect(again.code, again.stdout).to.equal(0);
  });

  it('convert: several inputs without --out is a usage error', () => {
    expect(run(['convert', join(dir, 'in'), '--to', 'fhir']).code).to.equal(2);
  });
});
