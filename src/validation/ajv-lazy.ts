/**
 * ajv, loaded on first use. Mapping files, code tables, the appointment status table and office
 * records are each checked with a JSON Schema; the modules that do it are imported by every
 * command and by the gateway, but ajv (and compiling a schema with it) is only needed when one of
 * those checks runs. ajv is CommonJS, so `require` loads it synchronously where it is first needed.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, Options } from 'ajv';
import type { Ajv2020 as Ajv2020Class } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);

export function newAjv(opts: Options): AjvClass {
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv(opts);
}

export function newAjv2020(opts: Options): Ajv2020Class {
  const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return new Ajv2020(opts);
}

/** ajv-formats (the `format` keyword: date, date-time, email, uri ...) added to an instance. */
export function addFormats(ajv: AjvClass): void {
  const m = require('ajv-formats') as { default?: (a: AjvClass) => unknown } & ((a: AjvClass) => unknown);
  (m.default ?? m)(ajv);
}
