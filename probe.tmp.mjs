import { readFileSync, readdirSync } from 'node:fs';
const v = await import('./dist/validation/index.js');
const fp = await import('./dist/validation/fastpath/index.js');
const files = process.argv.slice(2);
for (const f of files) {
  const before = fp.referenceLoads.require;
  v.validateResource(JSON.parse(readFileSync(f, 'utf8')), { otherwise: 'base' });
  console.log(f, 'loads', fp.referenceLoads.require, 'bail', fp.fastPathStats.bailouts, 'fallback', fp.fastPathStats.fallbackCompile, [...fp.fastPathStats.slowExpressions.keys()].slice(0,5));
}
