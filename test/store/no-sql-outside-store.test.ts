/**
 * A source scan: SQL and the SQLite and PostgreSQL drivers live under src/store/ only. Everything else talks to the
 * engine-neutral Store (src/store/index.ts), so a second engine replaces one folder.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');

const RULES: Array<[string, RegExp]> = [
  ['SQL statement', /\b(SELECT\s+(?:[\w*(]|DISTINCT)|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|TRIGGER|VIEW)|ALTER\s+TABLE|DROP\s+(?:TABLE|INDEX|TRIGGER)|BEGIN\s+(?:IMMEDIATE|TRANSACTION)|ON\s+CONFLICT)\b/i],
  ['SQL function', /\bjson_(?:extract|each)\s*\(/i],
  ['SQLite driver', /better-sqlite3/],
  ['PostgreSQL driver', /from\s+['"]pg['"]/],
  ['statement API', /\.(?:prepare|pragma)\s*\(/],
  ['engine module', /from\s+['"][^'"]*store\/(?:sqlite|pg)\//],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(?:ts|js|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

describe('store: no SQL outside src/store/ (source scan)', () => {
  const outside = sourceFiles(SRC).filter((f) => !relative(SRC, f).startsWith(`store/`) && !relative(SRC, f).startsWith('store\\'));

  it('scans the source tree (the scan itself finds files)', () => {
    expect(outside.length).to.be.greaterThan(50);
    expect(sourceFiles(join(SRC, 'store')).some((f) => RULES[0]![1].test(readFileSync(f, 'utf8')))).to.equal(true);
  });

  it('finds no SQL, no SQLite driver and no engine import in any file outside src/store/', () => {
    const found: string[] = [];
    for (const f of outside) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        for (const [what, re] of RULES) if (re.test(line)) found.push(`${relative(SRC, f)}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(found, found.join('\n')).to.deep.equal([]);
  });
});
