/**
 * Where the data folders live, relative to this file: the one place that knows the layout. It works
 * from src/ (tsx, tests) and from dist/ (the compiled build): both sit one level below the project
 * root, so mappings/, profiles/, examples/ and console/ are read where they are, never copied into dist/.
 */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = resolve(here, '..');
export const MAPPINGS_DIR = resolve(ROOT_DIR, 'mappings');
export const PROFILES_DIR = resolve(ROOT_DIR, 'profiles');
export const EXAMPLES_DIR = resolve(ROOT_DIR, 'examples');
/** The web console's stylesheet and script (served by the gateway itself at /console/assets/). */
export const CONSOLE_ASSETS_DIR = resolve(ROOT_DIR, 'console', 'assets');
