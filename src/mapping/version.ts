/**
 * The mapping version a message was processed with, and reloading the mappings from disk.
 *
 * Mapping files (mappings/**, code tables included) are read once and cached; `mappingVersion()`
 * is a hash of those files as they were when the cache was filled, so every processing attempt
 * can record what it ran with (processing_attempts.mapping_version). `reloadMappings()` drops the
 * caches and hashes the files again: a replay, from the CLI or over HTTP alike, runs with the
 * mappings on disk at that moment, not those cached at start.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MAPPINGS_DIR } from '../paths.js';
import { clearMappingCache } from './loader.js';
import { clearTableCache } from './tables.js';
import { clearStatusTableCache } from '../adapters/appointment-status.js';

let version: string | undefined;

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

/** The version of the mappings this process runs with (hashed once per load). */
export function mappingVersion(): string {
  return (version ??= hashMappingFiles());
}

/** Drop every cached mapping and code table; returns the version now on disk. */
export function reloadMappings(): string {
  clearMappingCache();
  clearTableCache();
  clearStatusTableCache();
  version = hashMappingFiles();
  return version;
}
