/**
 * The start-up check as the gateway and the CLI run it: the compiled build remembers a check that
 * passed (keyed by the mapping files' hash and the build stamp), and any change to a mapping file
 * or a new build checks again, so a broken file still stops the start naming the file and the rule.
 */
import { expect } from 'chai';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkMappingsAtStart } from '../../src/mapping/checked-at-start.js';
import { MAPPINGS_DIR } from '../../src/paths.js';

describe('mapping/checked-at-start: the check remembered by the compiled build', () => {
  let dir: string;
  let mappings: string;
  let build: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fd-checked-'));
    mappings = path.join(dir, 'mappings');
    build = path.join(dir, 'dist');
    cpSync(MAPPINGS_DIR, mappings, { recursive: true });
    mkdirSync(build);
    writeFileSync(path.join(build, '.built'), 'stamp\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const memo = () => path.join(build, '.mappings-checked');

  it('a passing check is remembered; a broken file afterwards is still found, naming the file', async () => {
    expect(await checkMappingsAtStart({ mappings, build })).to.deep.equal([]);
    expect(existsSync(memo())).to.equal(true);
    const remembered = readFileSync(memo(), 'utf8');
    expect(await checkMappingsAtStart({ mappings, build })).to.deep.equal([]);

    writeFileSync(path.join(mappings, 'tables', '0001-administrative-sex.json'), '{ not json');
    const issues = await checkMappingsAtStart({ mappings, build });
    expect(issues).to.have.length.greaterThan(0);
    expect(issues[0]!.diagnostics).to.contain('mappings/tables/0001-administrative-sex.json');
    expect(readFileSync(memo(), 'utf8')).to.equal(remembered, 'a failed check is not remembered');
  });

  it('an edit that keeps the size is found by its modification time; a file only touched is not checked again', async () => {
    expect(await checkMappingsAtStart({ mappings, build })).to.deep.equal([]);
    expect(readFileSync(memo(), 'utf8').split('\n')[1]).to.match(/^stats /);
    const file = path.join(mappings, 'tables', '0001-administrative-sex.json');
    const text = readFileSync(file, 'utf8');
    // Touched only (a checkout): same content, later time: passes, and the memo's stats follow.
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const before = readFileSync(memo(), 'utf8');
    expect(await checkMappingsAtStart({ mappings, build })).to.deep.equal([]);
    expect(readFileSync(memo(), 'utf8')).to.not.equal(before);
    // The same number of bytes, broken, written later: checked, and found.
    const broken = `{ not json${' '.repeat(text.length - 10)}`;
    expect(broken.length).to.equal(text.length);
    writeFileSync(file, broken);
    const evenLater = new Date(Date.now() + 10_000);
    utimesSync(file, evenLater, evenLater);
    const issues = await checkMappingsAtStart({ mappings, build });
    expect(issues).to.have.length.greaterThan(0);
    expect(issues[0]!.diagnostics).to.contain('0001-administrative-sex.json');
  });

  it('a new build checks again (the memo names the build it was made with)', async () => {
    expect(await checkMappingsAtStart({ mappings, build })).to.deep.equal([]);
    const before = readFileSync(memo(), 'utf8');
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(build, '.built'), later, later);
    expect(await checkMappingsAtStart({ mappings, build })).to.deep.equal([]);
    expect(readFileSync(memo(), 'utf8')).to.not.equal(before);
  });

  it('run from src/ (no build folder), nothing is remembered', async () => {
    expect(await checkMappingsAtStart({ mappings, build: undefined })).to.deep.equal([]);
    expect(existsSync(memo())).to.equal(false);
  });
});
