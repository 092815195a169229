#!/usr/bin/env node
// Launcher: builds dist/ first when it is missing or older than src/, then runs the compiled CLI.
import { ensureBuilt } from '../scripts/build.mjs';
ensureBuilt();
await import('../dist/cli.js');
