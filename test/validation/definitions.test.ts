/** The R4 definitions digest and its cache file: the cached copy equals a fresh build. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDigest } from '../../src/validation/definitions.js';

describe('validation: R4 definitions digest cache', function () {
  this.timeout(60_000);
  const saved = { TMPDIR: process.env.TMPDIR, cache: process.env.FRONTDESK_DEFINITIONS_CACHE };
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fd-defs-'));
    process.env.TMPDIR = dir;
  });
  after(() => {
    if (saved.TMPDIR === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved.TMPDIR;
    if (saved.cache === undefined) delete process.env.FRONTDESK_DEFINITIONS_CACHE;
    else process.env.FRONTDESK_DEFINITIONS_CACHE = saved.cache;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the digest once, reads it back identical to a fresh build, and rebuilds a corrupt one', () => {
    delete process.env.FRONTDESK_DEFINITIONS_CACHE;
    const first = loadDigest();
    const files = readdirSync(dir).filter((f) => f.startsWith('frontdesk-r4-') && f.endsWith('.json'));
    expect(files).to.have.length(1);
    const second = loadDigest();
    process.env.FRONTDESK_DEFINITIONS_CACHE = 'off';
    const fresh = loadDigest();
    expect(JSON.stringify(second)).to.equal(JSON.stringify(fresh));
    expect(JSON.stringify(first)).to.equal(JSON.stringify(fresh));
    expect(fresh.structureDefinitions.some((sd) => sd.url === 'http://hl7.org/fhir/StructureDefinition/Patient')).to.equal(true);
    delete process.env.FRONTDESK_DEFINITIONS_CACHE;
    writeFileSync(join(dir, files[0]!), '{ truncated');
    expect(JSON.stringify(loadDigest())).to.equal(JSON.stringify(fresh));
    expect(existsSync(join(dir, files[0]!))).to.equal(true);
  });
});
