/**
 * The mapping version a message was processed with, and reloading the mappings from disk.
 *
 * Mapping files (mappings/**, code tables included) are read once and cached; `mappingVersion()`
 * is a hash of those files as they were when the cache was filled, so every processing attempt
 * can record what it ran with (processing_attempts.mapping_version). `reloadMappings()` drops the
 * caches and hashes the files again: a replay, from the CLI or over HTTP alike, runs with the
 * mappings on disk at that moment, not those cached at start.
 */
import { clearMappingCache } from './loader.js';
import { clearTableCache } from './tables.js';
import { clearStatusTableCache } from '../adapters/appointment-status.js';
import { hashMappingFiles } from './files-hash.js';

export { hashMappingFiles };

let version: string | undefined;

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
