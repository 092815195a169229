/**
 * The start-up check of every mapping file and code table (./startup-check.ts), as the gateway and
 * the CLI run it. Checking compiles JSON schemas (ajv), which costs more than the rest of a start;
 * so the compiled build (dist/) remembers the last check that passed, in dist/.mappings-checked,
 * keyed by the hash of the mapping files and by the build (dist/.built, rewritten whenever a
 * source file, the checker's included, is compiled again). Same files, same checker: the check
 * would pass again, and is skipped. Any change to a file under mappings/ runs it again, so a
 * broken file still stops the start naming the file and the rule. Run from src/ (tsx, tests),
 * nothing is remembered and every start checks.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Issue } from '../domain/issues.js';
import { MAPPINGS_DIR } from '../paths.js';
import { hashMappingFiles } from './files-hash.js';

/** dist/ when this module runs compiled; undefined from src/. */
function buildDir(): string | undefined {
  const dir = dirname(dirname(fileURLToPath(import.meta.url)));
  return basename(dir) === 'dist' ? dir : undefined;
}

function memoKey(dist: string, mappingsDir: string): string | undefined {
  try {
    return `${hashMappingFiles(mappingsDir)} ${statSync(join(dist, '.built')).mtimeMs}`;
  } catch {
    return undefined; // no build stamp (or unreadable mappings: the check itself says so)
  }
}

/**
 * The check's issues (none when the files passed before, unchanged, with this build). The folders
 * default to the project's mappings/ and, when running compiled, dist/ (tests pass their own).
 */
export async function checkMappingsAtStart(dirs: { mappings?: string; build?: string | undefined } = {}): Promise<Issue[]> {
  const mappingsDir = dirs.mappings ?? MAPPINGS_DIR;
  const dist = 'build' in dirs ? dirs.build : buildDir();
  const key = dist ? memoKey(dist, mappingsDir) : undefined;
  const memo = dist ? join(dist, '.mappings-checked') : undefined;
  if (key && memo) {
    try {
      if (readFileSync(memo, 'utf8').trim() === key) return [];
    } catch {
      // not checked yet with this build
    }
  }
  const { checkMappings } = await import('./startup-check.js');
  const issues = checkMappings(mappingsDir);
  if (key && memo && !issues.length) {
    try {
      writeFileSync(memo, `${key}\n`);
    } catch {
      // a read-only install checks at every start
    }
  }
  return issues;
}
