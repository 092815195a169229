#!/usr/bin/env node
// `npm start`: builds dist/ first when it is missing or older than src/, then runs the compiled
// gateway (dist/main.js) with the arguments given (`npm start -- --config x.json --db y.db`).
import { ensureBuilt } from './build.mjs';
ensureBuilt();
const { startFromArgv } = await import('../dist/main.js');
await startFromArgv(process.argv);
