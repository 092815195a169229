/**
 * Where the shared corpora live (`../shared/corpus/<name>` beside the project, never copied into it).
 * Resolved from this file's own location, not from the working directory, so a test finds them
 * whatever directory mocha was started from. On a fresh clone without `../shared` the tests that
 * need a corpus are skipped with one visible line saying why; CI has the corpus and never skips.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The project root (test/support/ is two levels below it). */
export const PROJECT_ROOT = path.resolve(HERE, '..', '..');
/** FRONTDESK_SHARED_CORPUS overrides it for a checkout that is not beside ../shared (a git worktree). */
const SHARED_CORPUS = process.env.FRONTDESK_SHARED_CORPUS || path.resolve(PROJECT_ROOT, '..', 'shared', 'corpus');

/** Absolute path of one shared corpus, e.g. `hl7v2-ms-fhir-converter` or `fhir-test-cases`. */
export function sharedCorpus(name: string): string {
  return path.join(SHARED_CORPUS, name);
}

export function hasSharedCorpus(name: string): boolean {
  return existsSync(sharedCorpus(name));
}

const announced = new Set<string>();

/**
 * `describe` when the corpus is there, otherwise a skipped suite plus one line on stdout saying why.
 * Use it for every suite that reads `../shared`.
 */
export function describeWithCorpus(name: string, title: string, body: (dir: string) => void): void {
  if (hasSharedCorpus(name)) {
    describe(title, () => body(sharedCorpus(name)));
    return;
  }
  if (!announced.has(name)) {
    announced.add(name);
    console.log(`  (skipped: ${sharedCorpus(name)} is absent; the suites that read the shared corpus '${name}' need it)`);
  }
  // The body is not run: it may list the corpus folder while the suite is being collected.
  describe.skip(`${title} (needs ../shared/corpus/${name})`, () => {
    it(`every test of this suite reads ${sharedCorpus(name)}`, () => undefined);
  });
}
