/**
 * A throwaway TMPDIR for the suites that test the on-disk caches (the R4 definitions digest, the
 * FHIRPath model data): the caches live in the OS temp folder, so the suite points TMPDIR at a
 * folder of its own, clears FRONTDESK_DEFINITIONS_CACHE (the switch that turns caching off) and
 * puts both back afterwards. `beforeFill` runs after TMPDIR is set, before the switch is cleared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function useCacheTmpdir(prefix: string, beforeFill?: () => void): { dir(): string } {
  const saved = { TMPDIR: process.env.TMPDIR, cache: process.env.FRONTDESK_DEFINITIONS_CACHE };
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    process.env.TMPDIR = dir;
    beforeFill?.();
    delete process.env.FRONTDESK_DEFINITIONS_CACHE;
  });
  after(() => {
    if (saved.TMPDIR === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved.TMPDIR;
    if (saved.cache === undefined) delete process.env.FRONTDESK_DEFINITIONS_CACHE;
    else process.env.FRONTDESK_DEFINITIONS_CACHE = saved.cache;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir };
}
