/**
 * The start-up check of every mapping file and code table (./startup-check.ts), as the gateway and
 * the CLI run it. Checking compiles JSON schemas (ajv), which costs more than the rest of a start;
 * so the compiled build (dist/) remembers the last check that passed, in dist/.mappings-checked,
 * keyed by the hash of the mapping files and by the build (dist/.built, rewritten whenever a
 * source file, the checker's included, is compiled again). Same files, same checker: the check
 * would pass again, and is skipped. Any change to a file under mappings/ runs it again, so a
 * broken file still stops the start naming the file and the rule. Run from src/ (tsx, tests),
 * nothing is remembered and every start checks.
 *
 * Hashing the files costs about 10 ms of CPU (reading them, loading node:crypto), a noticeable
 * part of a one-file `frontdesk validate`. So the memo also records each file's path, size and
 * modification time, and when none of them changed since (nor the build), the files are not read
 * again: an edit changes the modification time (and a restored older copy changes the list's
 * stamps too). Anything else in the list hashes the files as before.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Issue } from '../domain/issues.js';
import { MAPPINGS_DIR } from '../paths.js';

/** dist/ when this module runs compiled; undefined from src/. */
function buildDir(): string | undefined {
  const dir = dirname(dirname(fileURLToPath(import.meta.url)));
  return basename(dir) === 'dist' ? dir : undefined;
}

async function memoKey(dist: string, mappingsDir: string): Promise<string | undefined> {
  try {
    const { hashMappingFiles } = await import('./files-hash.js');
    return `${hashMappingFiles(mappingsDir)} ${statSync(join(dist, '.built')).mtimeMs}`;
  } catch {
    return undefined; // no build stamp (or unreadable mappings: the check itself says so)
  }
}

/** Every file under the mappings folder with its size and modification time, and the build's stamp: one line. */
function statsLine(dist: string, mappingsDir: string): string | undefined {
  try {
    const out: string[] = [];
    const walk = (dir: string, rel: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path, `${rel}${e.name}/`);
        else if (e.isFile()) {
          const st = statSync(path);
          out.push(`${rel}${e.name}:${st.size}:${st.mtimeMs}`);
        }
      }
    };
    walk(mappingsDir, '');
    return `stats ${statSync(join(dist, '.built')).mtimeMs} ${out.join(' ')}`;
  } catch {
    return undefined;
  }
}

/**
 * The check's issues (none when the files passed before, unchanged, with this build). The folders
 * default to the project's mappings/ and, when running compiled, dist/ (tests pass their own).
 */
export async function checkMappingsAtStart(dirs: { mappings?: string; build?: string | undefined } = {}): Promise<Issue[]> {
  const mappingsDir = dirs.mappings ?? MAPPINGS_DIR;
  const dist = 'build' in dirs ? dirs.build : buildDir();
  const memo = dist ? join(dist, '.mappings-checked') : undefined;
  // The memo: the key (content hash, build stamp) on its first line, the files' stats on its second.
  let remembered: string[] = [];
  if (memo) {
    try {
      remembered = readFileSync(memo, 'utf8').split('\n');
    } catch {
      // not checked yet with this build
    }
  }
  const stats = dist ? statsLine(dist, mappingsDir) : undefined;
  if (stats && remembered[1] === stats && remembered[0]) return [];
  const key = dist ? await memoKey(dist, mappingsDir) : undefined;
  const remember = (): void => {
    try {
      if (key && memo) writeFileSync(memo, `${key}\n${stats ?? ''}\n`);
    } catch {
      // a read-only install checks at every start
    }
  };
  if (key && remembered[0] === key) {
    remember(); // same content, other stats (a checkout touched the files): the stats are refreshed
    return [];
  }
  const { checkMappings } = await import('./startup-check.js');
  const issues = checkMappings(mappingsDir);
  if (!issues.length) remember();
  return issues;
}
