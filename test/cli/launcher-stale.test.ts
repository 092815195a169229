/**
 * The launchers' build check (scripts/build.mjs staleReason, run by bin/frontdesk.js and npm start
 * before the compiled code): dist/ is stale when any .ts file under src/, at any depth, or a
 * tsconfig is newer than the last build. Run on a copy of the script in a throwaway project.
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

describe('cli: the launchers rebuild dist/ when a source is newer', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fd-launch-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(resolve('scripts/build.mjs'), join(root, 'scripts', 'build.mjs'));
    for (const f of ['src/cli.ts', 'src/validation/fastpath/index.ts', 'src/validation/README.md', 'tsconfig.json', 'tsconfig.build.json']) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const at = (file: string, seconds: number): void => utimesSync(join(root, file), seconds, seconds);

  it('missing dist/, then current, then stale for a deep .ts file or a tsconfig, not for another file', async () => {
    const { staleReason } = (await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href)) as { staleReason: () => string | undefined };
    const now = Math.floor(Date.now() / 1000);
    for (const f of ['src/cli.ts', 'src/validation/fastpath/index.ts', 'src/validation/README.md', 'tsconfig.json', 'tsconfig.build.json']) at(f, now - 100);
    expect(staleReason()).to.equal('dist/ is missing');
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', '.built'), '');
    at('dist/.built', now - 50);
    expect(staleReason()).to.equal(undefined);
    at('src/validation/README.md', now);
    expect(staleReason()).to.equal(undefined);
    at('src/validation/fastpath/index.ts', now);
    expect(staleReason()).to.equal('src/ changed since the last build');
    at('src/validation/fastpath/index.ts', now - 100);
    at('tsconfig.build.json', now);
    expect(staleReason()).to.equal('src/ changed since the last build');
  });
});
