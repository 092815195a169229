/**
 * A hash of the mapping files as they are on disk (mappings/**, code tables included): the mapping
 * version a message is processed with (./version.ts) and the key of the start-up check's memo
 * (./checked-at-start.ts). Nothing else here, so hashing loads neither the mappings nor ajv.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MAPPINGS_DIR } from '../paths.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** sha256 (first 16 hex) over every file under `dir`: relative path and content, in path order. */
export function hashMappingFiles(dir: string = MAPPINGS_DIR): string {
  const h = createHash('sha256');
  for (const f of filesUnder(dir).sort()) {
    h.update(relative(dir, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
