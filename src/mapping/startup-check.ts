/**
 * Every mapping file and code table checked when the gateway and the CLI start, not on the first
 * message that needs it: a broken file stops the start with one line per problem, naming the file
 * and the rule, instead of failing (or worse, half-working) in the middle of a message.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issue, type Issue } from '../domain/issues.js';
import { statusTableProblems } from '../adapters/appointment-status.js';
import { MAPPINGS_DIR } from '../paths.js';
import { mappingFileProblems } from './loader.js';
import { codeTableProblems } from './tables.js';

/** Files in mappings/ that are not segment mappings, each with its own checker. */
const OTHER_FILES: Record<string, (file: string, json: unknown) => string[]> = {
  'appointment-status.json': statusTableProblems,
};

function readJson(dir: string, name: string, label: string, problems: string[]): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch (e) {
    problems.push(`${label}: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * Check every file of a mappings folder (default: the project's mappings/) against its schema
 * and against each other (a mapping's code tables exist in tables/). Pure: nothing is cached, so
 * it sees the files as they are on disk now.
 */
export function checkMappings(dir: string = MAPPINGS_DIR): Issue[] {
  const problems: string[] = [];
  const tableIds = new Set<string>();
  const tablesDir = join(dir, 'tables');
  let tableFiles: string[] = [];
  try {
    tableFiles = readdirSync(tablesDir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    problems.push('mappings/tables: the folder cannot be read');
  }
  for (const f of tableFiles) {
    const label = `mappings/tables/${f}`;
    const t = readJson(tablesDir, f, label, problems);
    if (t === undefined) continue;
    const p = codeTableProblems(label, t);
    problems.push(...p);
    if (!p.length) tableIds.add((t as { id: string }).id);
  }
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const label = `mappings/${f}`;
    const json = readJson(dir, f, label, problems);
    if (json === undefined) continue;
    const checker = OTHER_FILES[f];
    problems.push(...(checker ? checker(label, json) : mappingFileProblems(label, json, (id) => tableIds.has(id))));
  }
  return problems.map((p) => issue('CONFIG_INVALID', p, p.slice(0, p.indexOf(':'))));
}
