/** The R4 definitions digest and its cache folder: what the cache serves equals a fresh build, and a damaged cache is rebuilt, never believed. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useCacheTmpdir } from '../support/cache-dir.js';
import { loadDigest } from '../../src/validation/definitions.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('validation: R4 definitions digest cache', function () {
  this.timeout(120_000);
  let cache: string;
  let fresh: string;
  // The fresh build to compare with is made with the cache off, in the suite's own TMPDIR.
  const tmp = useCacheTmpdir('fd-defs-', () => {
    process.env.FRONTDESK_DEFINITIONS_CACHE = 'off';
    fresh = JSON.stringify(loadDigest());
  });

  /** The shard file of a StructureDefinition, from the cache's index. */
  const shardOf = (url: string): string => {
    const ix = JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { structures: { url: string; file: string }[] };
    return join(cache, ix.structures.find((s) => s.url === url)!.file);
  };

  it('writes the cache once (an index, a file per StructureDefinition, the terminology) and reads back what a fresh build gives', () => {
    const first = JSON.stringify(loadDigest());
    const folders = readdirSync(tmp.dir()).filter((f) => f.startsWith('frontdesk-r4-'));
    expect(folders).to.have.length(1);
    cache = join(tmp.dir(), folders[0]!);
    const files = readdirSync(cache);
    expect(files).to.include.members(['index.json', 'terminology.json']);
    expect(files.filter((f) => f.startsWith('sd-')).length).to.be.greaterThan(100);
    expect(first).to.equal(fresh);
    expect(JSON.stringify(loadDigest())).to.equal(fresh);
    expect(fresh).to.contain('"url":"http://hl7.org/fhir/StructureDefinition/Patient"');
  });

  it('a truncated index, shard or terminology file is detected and the cache rebuilt', () => {
    for (const damage of [join(cache, 'index.json'), shardOf('http://hl7.org/fhir/StructureDefinition/Patient'), join(cache, 'terminology.json')]) {
      writeFileSync(damage, readFileSync(damage, 'utf8').slice(0, 40));
      expect(JSON.stringify(loadDigest()), damage).to.equal(fresh);
      expect(existsSync(join(cache, 'index.json'))).to.equal(true);
    }
    // A shard from another build (another key) is not believed either.
    const patient = shardOf('http://hl7.org/fhir/StructureDefinition/Patient');
    writeFileSync(patient, readFileSync(patient, 'utf8').replace(/"key":"[^"]*"/, '"key":"another-build"'));
    expect(JSON.stringify(loadDigest())).to.equal(fresh);
  });

  it('validation reading the cache lazily gives the same issues with the cache intact, with a damaged shard, and without the cache', () => {
    // Fresh processes: each builds its definitions once, lazily, from whatever the cache holds.
    const script = `
      const { validateResource } = await import(${JSON.stringify(join(ROOT, 'src', 'validation', 'index.ts'))});
      const bad = { resourceType: 'Patient', gender: 'woman', birthDate: '1990-13-01', name: [{ family: 7 }], contact: [{}] };
      process.stdout.write(JSON.stringify([validateResource(bad, { otherwise: 'base' }), validateResource({ resourceType: 'Observation', status: 'final' }, { otherwise: 'base' })]));`;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp.dir(), ...env } });
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout;
    };
    const intact = run({});
    expect(intact).to.contain('gender');
    const patient = shardOf('http://hl7.org/fhir/StructureDefinition/Patient');
    writeFileSync(patient, '{ "key": ');
    expect(run({})).to.equal(intact);
    expect(JSON.parse(readFileSync(shardOf('http://hl7.org/fhir/StructureDefinition/Patient'), 'utf8')).sd.url).to.equal('http://hl7.org/fhir/StructureDefinition/Patient');
    // A damaged terminology bucket (every vs-/cs- file holds the value sets or code systems whose URL hashes to it).
    const buckets = readdirSync(cache).filter((f) => /^(vs|cs)-\d+\.json$/.test(f));
    expect(buckets).to.have.length(128);
    for (const f of buckets) writeFileSync(join(cache, f), readFileSync(join(cache, f), 'utf8').slice(0, 30));
    expect(run({})).to.equal(intact);
    expect(JSON.parse(readFileSync(join(cache, buckets[0]!), 'utf8')).key).to.be.a('string'); // rewritten
    expect(run({ FRONTDESK_DEFINITIONS_CACHE: 'off' })).to.equal(intact);
  });

  it('each value set and code system read from its bucket is the first of its URL in the whole terminology; an unknown URL is absent', () => {
    const script = `
      const { baseDefinitions, loadDigest } = await import(${JSON.stringify(join(ROOT, 'src', 'validation', 'definitions.ts'))});
      const d = baseDefinitions();
      const digest = loadDigest();
      const wrong = [];
      let checked = 0;
      for (const [name, list] of [['valueSets', digest.valueSets], ['codeSystems', digest.codeSystems]]) {
        const first = new Map();
        for (const r of list) if (r.url && !first.has(r.url)) first.set(r.url, r);
        for (const [url, r] of first) {
          checked++;
          if (!d[name].has(url) || JSON.stringify(d[name].get(url)) !== JSON.stringify(r)) wrong.push(url);
        }
        if (d[name].has('http://example.org/none') || d[name].get('http://example.org/none') !== undefined) wrong.push('unknown');
      }
      process.stdout.write(JSON.stringify({ checked, wrong }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp.dir() } });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { checked: number; wrong: string[] };
    expect(out.wrong).to.deep.equal([]);
    expect(out.checked).to.be.greaterThan(1000);
  });
});
