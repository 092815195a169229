import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

function frontdesk(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [resolve('bin/frontdesk.js'), ...args], { encoding: 'utf8', input, env: { ...process.env, FRONTDESK_LOG_LEVEL: 'silent' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('x12: the command line (convert, validate, claims)', function () {
  this.timeout(60_000);
  let dir: string;
  let config: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-x12-cli-'));
    const c = JSON.parse(readFileSync('examples/config/gateway.json', 'utf8')) as Record<string, unknown>;
    c.store = { path: join(dir, 'fd.db') };
    config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify(c));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('convert claim.json --to x12 prints an 837P; the control number is durable across runs', () => {
    const a = frontdesk(['convert', 'examples/x12/claim-several-lines.json', '--to', 'x12', '--config', config]);
    expect(a.code, a.out + a.err).to.equal(0);
    expect(a.out).to.match(/^ISA\*00\*.*\*000000001\*0\*T\*:~\n/);
    expect(a.out).to.contain('SV1*HC:20610:RT:59*210*UN*1***3:1:2:4~');
    const b = frontdesk(['convert', 'examples/x12/claim-several-lines.json', '--to', 'x12', '--config', config]);
    expect(b.out).to.match(/\*000000002\*0\*T\*:~\n/);
  });

  it('convert --to x12 of a claim failing its edits prints the issues and exits 1', () => {
    const rec = JSON.parse(readFileSync('examples/office/billing-encounter-office-visit.json', 'utf8')) as { lines: Array<{ pointers: number[] }> };
    rec.lines[0]!.pointers = [7];
    const r = frontdesk(['convert', '-', '--to', 'x12', '--config', config, '--format', 'text'], JSON.stringify(rec));
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/CLAIM_EDIT\s+lines\[0\]\.pointers\[0\]/);
  });

  it('validate claim.837: OK for our golden file, the element named for a broken one', () => {
    expect(frontdesk(['validate', 'examples/x12/claim-several-lines.837']).code).to.equal(0);
    const bad = readFileSync('examples/x12/claim-several-lines.837', 'utf8').replace('SV1*HC:87880*35.5', 'SV1*HC:87880*35,5');
    const r = frontdesk(['validate', '-', '--format', 'text'], bad);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/X12_INVALID\s+2400\[2\]\.SV1-02/);
  });

  it('convert remit.835 --to fhir: a Bundle with one ClaimResponse per CLP; an unbalanced one exits 1 naming the element', () => {
    const r = frontdesk(['convert', 'examples/x12/inbound/835-paid.x12', '--to', 'fhir']);
    expect(r.code, r.out + r.err).to.equal(0);
    const b = JSON.parse(r.out) as { entry: Array<{ resource: { resourceType: string; request: { identifier: { value: string } } } }> };
    expect(b.entry.map((e) => `${e.resource.resourceType}:${e.resource.request.identifier.value}`)).to.deep.equal(['ClaimResponse:ENC-2026-000201', 'ClaimResponse:ENC-2026-000202']);
    const bad = readFileSync('examples/x12/inbound/835-paid.x12', 'utf8').replace('BPR*I*300*', 'BPR*I*301*');
    const u = frontdesk(['convert', '-', '--to', 'fhir', '--format', 'text'], bad);
    expect(u.code).to.equal(1);
    expect(u.out).to.match(/X12_UNBALANCED\s+BPR-02/);
  });

  it('a truncated ISA is a clear error, not a stack trace', () => {
    const r = frontdesk(['validate', '-', '--format', 'text'], 'ISA*00*          *00*');
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/X12_SYNTAX\s+ISA\s+The ISA is truncated/);
    expect(r.err).to.equal('');
  });

  it('claims show of an unknown claim exits 1 and says so', () => {
    const r = frontdesk(['claims', 'show', 'ENC-NONE', '--config', config]);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('No claim ENC-NONE was sent from here.');
  });
});
