/**
 * Mappings checked at start: the project's mappings/ pass; a copy with one broken rule or table
 * gives an error naming the file and the rule (what `frontdesk` and the gateway print before
 * stopping with exit code 2).
 */
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCodeOf } from '../../src/domain/issues.js';
import { checkMappings } from '../../src/mapping/startup-check.js';
import { MAPPINGS_DIR } from '../../src/paths.js';

describe('mapping/startup-check: every mapping and code table checked at start', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-mappings-'));
    cpSync(MAPPINGS_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, change: (j: any) => void) => {
    const p = path.join(dir, file);
    const j = JSON.parse(readFileSync(p, 'utf8'));
    change(j);
    writeFileSync(p, JSON.stringify(j));
  };

  it('the mappings on disk pass', () => {
    expect(checkMappings()).to.deep.equal([]);
    expect(checkMappings(dir)).to.deep.equal([]);
  });

  it('a rule naming an unknown code table: the file and the rule', () => {
    edit('patient.json', (j) => { j.segments[0].fields.find((f: any) => f.field === 8).table = '0001x'; });
    const issues = checkMappings(dir);
    expect(issues).to.have.length(1);
    expect(errorCodeOf(issues[0]!)).to.equal('CONFIG_INVALID');
    expect(issues[0]!.expression).to.deep.equal(['mappings/patient.json']);
    expect(issues[0]!.diagnostics).to.match(/^mappings\/patient\.json: PID-8 \(rule \d+\) uses unknown code table "0001x"$/);
  });

  it('a rule with an unknown datatype or a misspelt key: the file and the rule', () => {
    edit('adt.json', (j) => {
      j.segments.find((s: any) => s.segment === 'IN1').fields[0].type = 'XYZ';
      j.segments.find((s: any) => s.segment === 'NK1').fields[1].tabel = '0063';
    });
    const text = checkMappings(dir).map((i) => i.diagnostics);
    expect(text.some((t) => /^mappings\/adt\.json: NK1-3 \(rule 2\) .*additional properties/.test(t!)), text.join('\n')).to.equal(true);
  });

  it('a broken code table and unparseable JSON: each named', () => {
    edit('tables/0001-administrative-sex.json', (j) => { delete j.map[2].fhir; });
    writeFileSync(path.join(dir, 'siu.json'), '{ "id": "siu", ');
    const text = checkMappings(dir).map((i) => i.diagnostics!);
    expect(text.some((t) => t.startsWith("mappings/tables/0001-administrative-sex.json: entry 3 (map[2]) must have required property 'fhir'")), text.join('\n')).to.equal(true);
    expect(text.some((t) => t.startsWith('mappings/siu.json: ')), text.join('\n')).to.equal(true);
    // The mapping that uses the broken table 0001 is reported too: its table no longer exists.
    expect(text.some((t) => /^mappings\/patient\.json: PID-8 .*unknown code table "0001"/.test(t))).to.equal(true);
  });

  it('the appointment status table: an outbound event without an events entry', () => {
    edit('appointment-status.json', (j) => { j.outbound.booked = 'S99'; });
    expect(checkMappings(dir).map((i) => i.diagnostics)).to.deep.equal(['mappings/appointment-status.json: outbound booked -> S99, which has no events entry']);
  });
});
