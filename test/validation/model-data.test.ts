/**
 * fhirpath.js's R4 model data as the fast evaluator reads it, from its sharded cache
 * (src/validation/fastpath/model-data.ts): every answer equals the package's model object, with
 * the cache intact, damaged or switched off; a damaged cache is rewritten, never believed.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { useCacheTmpdir } from '../support/cache-dir.js';
import { loadModelData, rootOf, type ModelData } from '../../src/validation/fastpath/model-data.js';

const pkg = createRequire(import.meta.url)('fhirpath/fhir-context/r4/index.js') as {
  path2Type: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  type2Parent: Record<string, string>;
};

/** Every path's type and every root type's paths, against the package's model object. */
function differences(m: ModelData): string[] {
  const out: string[] = [];
  const byRoot = new Map<string, string[]>();
  for (const [path, type] of Object.entries(pkg.path2Type)) {
    if (m.pathType(path) !== type) out.push(`${path}: ${m.pathType(path)} vs ${type}`);
    const root = rootOf(path);
    byRoot.set(root, [...(byRoot.get(root) ?? []), path]);
  }
  for (const [root, paths] of byRoot) if (JSON.stringify(m.pathsOf(root)) !== JSON.stringify(paths)) out.push(`paths of ${root}`);
  for (const absent of ['Patient.nothing', 'NoSuchType.name', 'Patient']) if (m.pathType(absent) !== undefined) out.push(`${absent} has a type`);
  if (m.pathsOf('NoSuchType').length) out.push('NoSuchType has paths');
  for (const t of ['choiceTypePaths', 'pathsDefinedElsewhere', 'type2Parent'] as const) {
    if (JSON.stringify(m[t]) !== JSON.stringify(pkg[t])) out.push(t);
  }
  return out;
}

describe('validation: the R4 model data cache of the fast FHIRPath evaluator', () => {
  const tmp = useCacheTmpdir('fd-model-');
  let cache: string;

  const shardOf = (root: string): string => join(cache, (JSON.parse(readFileSync(join(cache, 'index.json'), 'utf8')) as { roots: Record<string, string> }).roots[root]!);

  it('writes the cache once (an index, a shard per root type) and reads back what the package says', () => {
    expect(differences(loadModelData())).to.deep.equal([]); // from the package, the cache written
    const folders = readdirSync(tmp.dir()).filter((f) => f.startsWith('frontdesk-fhirpath-'));
    expect(folders).to.have.length(1);
    cache = join(tmp.dir(), folders[0]!);
    expect(readdirSync(cache).length).to.be.greaterThan(150);
    expect(differences(loadModelData())).to.deep.equal([]); // from the cache
    expect(loadModelData().pathType('Patient.contact.name')).to.equal('HumanName');
  });

  it('a truncated index or shard, or a shard of another build or root type, is detected: same answers, the cache rewritten', () => {
    const damages: [string, (text: string) => string][] = [
      [join(cache, 'index.json'), (t) => t.slice(0, 40)],
      [shardOf('Patient'), (t) => t.slice(0, 40)],
      [shardOf('Observation'), (t) => t.replace(/"key":"[^"]*"/, '"key":"another-build"')],
      [shardOf('Patient'), (t) => t.replace('"root":"Patient"', '"root":"Person"')],
    ];
    for (const [file, damage] of damages) {
      writeFileSync(file, damage(readFileSync(file, 'utf8')));
      expect(differences(loadModelData()), file).to.deep.equal([]);
      expect(existsSync(join(cache, 'index.json'))).to.equal(true);
      expect(JSON.parse(readFileSync(shardOf('Patient'), 'utf8')).root).to.equal('Patient');
      expect(JSON.parse(readFileSync(shardOf('Observation'), 'utf8')).key).to.not.equal('another-build');
    }
  });

  it('FRONTDESK_DEFINITIONS_CACHE=off: read from the package, nothing written', () => {
    rmSync(cache, { recursive: true, force: true });
    process.env.FRONTDESK_DEFINITIONS_CACHE = 'off';
    try {
      expect(differences(loadModelData())).to.deep.equal([]);
      expect(existsSync(cache)).to.equal(false);
    } finally {
      delete process.env.FRONTDESK_DEFINITIONS_CACHE;
    }
  });
});
