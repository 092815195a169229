/**
 * Tests that spawn the CLI run the compiled build (bin/frontdesk.js -> dist/). Loaded by mocha
 * before any test file (.mocharc.json "require"): brings dist/ up to date with src/ once, here,
 * so no test's timeout pays for the build and no test runs code older than src/.
 */
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './shared-corpus.js';

const build = (await import(pathToFileURL(`${PROJECT_ROOT}/scripts/build.mjs`).href)) as { ensureBuilt: () => void };
build.ensureBuilt();
