import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, storeExists } from '../../src/store/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('store: openStore picks the engine from the configuration and loads only that one', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'frontdesk-open-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a path opens (and creates) a SQLite file', async () => {
    const path = join(dir, 'fd.db');
    expect(storeExists({ path })).to.equal(false);
    const store = await openStore({ path });
    try {
      expect(store.engine).to.equal('sqlite');
      expect(store.location).to.contain('fd.db');
      await store.ping();
      expect(storeExists({ path })).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it('a URL opens PostgreSQL (connecting on first use, so nothing is contacted here)', async () => {
    const store = await openStore({ path: join(dir, 'unused.db'), url: 'postgres://fd:secret@127.0.0.1:1/fd?schema=s_open' });
    try {
      expect(store.engine).to.equal('postgres');
      expect(store.location).to.not.contain('secret');
      expect(storeExists({ path: join(dir, 'unused.db') })).to.equal(false);
    } finally {
      await store.close();
    }
  });

  it('opening a SQLite store never loads the pg driver (it is a third of the start-up otherwise)', function () {
    this.timeout(120_000); // a child process compiling TypeScript, on a shared machine
    // A fresh process: mocha's own has loaded pg for other tests. `pg` is CommonJS under its ESM
    // wrapper, so once imported its files are in require.cache.
    const script = `
      import { createRequire } from 'node:module';
      const { openStore } = await import(${JSON.stringify(join(ROOT, 'src', 'store', 'index.ts'))});
      const store = await openStore({ path: ':memory:' });
      await store.ping();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /node_modules[\\\\/]pg[\\\\/]/.test(f));
      await store.close();
      process.stdout.write(JSON.stringify({ engine: store.engine, loaded }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ engine: 'sqlite', loaded: [] });
  });
});
