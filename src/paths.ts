/** Where the data folders live, relative to this file (works from a clone and from npx). */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = resolve(here, '..');
export const MAPPINGS_DIR = resolve(ROOT_DIR, 'mappings');
export const PROFILES_DIR = resolve(ROOT_DIR, 'profiles');
export const EXAMPLES_DIR = resolve(ROOT_DIR, 'examples');
