/**
 * Same output, old checkout against new (not part of `npm test`; for changes that must not change a
 * byte): every HL7v2 file of the shared corpus, test/fixtures and examples, as sent, without UTC
 * offsets and with padded fields, in two timezones, through parse, validateMessage, the flow and
 * convertInput to fhir, office and hl7v2; the JSON of every value and issue list is compared
 * (times made at run time masked).
 *   node --import tsx bench/profile/same-output.mts <old checkout> <new checkout>
 *   SAME_OUTPUT_MUTATIONS=3000 SAME_OUTPUT_SEED=17   the seeded mutated messages run after the files
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [oldRoot, newRoot] = process.argv.slice(2);
async function side(root: string) {
  const imp = (p: string) => import(pathToFileURL(path.join(root, p)).href);
  const { parseHl7 } = await imp('src/hl7/message.ts');
  const { validateMessage } = await imp('src/hl7/validate.ts');
  const { flowFor } = await imp('src/flows/registry.ts');
  const { emptyLookup } = await imp('src/flows/types.ts');
  const { detectInput } = await imp('src/domain/input.ts');
  const { convertInput } = await imp('src/flows/convert-input.ts');
  return (text: string, tz: string) => {
    const out: unknown[] = [];
    const p = parseHl7(text);
    out.push(p.issues);
    if (!p.value) return JSON.stringify(out);
    out.push(validateMessage(p.value));
    const flow = flowFor(p.value.messageType);
    if (flow) { try { out.push(flow.run(p.value, { timezone: tz, lookup: emptyLookup })); } catch (e) { out.push('THROW ' + String(e)); } }
    for (const to of ['fhir', 'office', 'hl7v2']) {
      const d = detectInput(text);
      if (!d.value) { out.push(d.issues); continue; }
      try { out.push(convertInput(d.value, to, { timezone: tz, lookup: emptyLookup })); } catch (e) { out.push('THROW ' + String(e)); }
    }
    return JSON.stringify(out).replace(/2026\d{10}/g, 'NOW');
  };
}
function walk(dir: string, acc: string[]) {
  for (const e of readdirSync(dir)) { const f = path.join(dir, e); if (statSync(f).isDirectory()) walk(f, acc); else if (/\.(hl7|txt)$/i.test(e)) acc.push(f); }
  return acc;
}
const files = [
  ...walk(process.env.FRONTDESK_SHARED_CORPUS ? path.join(process.env.FRONTDESK_SHARED_CORPUS, 'hl7v2-ms-fhir-converter') : path.resolve(newRoot, '../shared/corpus/hl7v2-ms-fhir-converter'), []),
  ...walk(path.join(newRoot, 'test/fixtures'), []),
  ...walk(path.join(newRoot, 'examples'), []),
];
const a = await side(oldRoot), b = await side(newRoot);
let same = 0, diff = 0;
for (const f of files) {
  const t = readFileSync(f, 'utf8');
  // Variants: as sent, without UTC offsets, with padded fields
  for (const [name, v] of [['as-is', t], ['nozone', t.replace(/(\d{12,14})[-+]\d{4}/g, '$1')], ['padded', t.replace(/\|([^|\r\n]{1,12})\|/g, '| $1 |')]] as const) {
    for (const tz of ['America/Chicago', 'UTC']) {
      const x = a(v, tz), y = b(v, tz);
      if (x === y) same++; else { diff++; if (diff < 6) { let i = 0; while (x[i] === y[i]) i++; console.log('DIFF', f, name, tz, '\n old:', x.slice(Math.max(0, i - 200), i + 200), '\n new:', y.slice(Math.max(0, i - 200), i + 200)); } }
    }
  }
}
// Seeded mutations of the examples and fixtures (SAME_OUTPUT_MUTATIONS, default 3000): a field
// replaced by another's text, cut, repeated, emptied or sent as the HL7 null; a delimiter or an
// escape inserted; so code paths the files never reach (issues, repetitions, escapes) agree too.
const { prng } = await import(pathToFileURL(path.join(newRoot, 'scripts/chaos.ts')).href);
const rnd: () => number = prng(Number(process.env.SAME_OUTPUT_SEED ?? 17));
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const bases = files.filter((f) => !f.includes('hl7v2-ms-fhir-converter')).map((f) => readFileSync(f, 'utf8')).filter((t) => t.startsWith('MSH'));
const INSERTS = ['^', '~', '&', '\\', '\\T\\', '""', ' ', '\\X0D\\', '20240230', '-0500', 'ZZ', '12.5.', '<3'];
let mutSame = 0, mutDiff = 0;
const mutations = Number(process.env.SAME_OUTPUT_MUTATIONS ?? 3000);
for (let m = 0; m < mutations && bases.length; m++) {
  const segs = pick(bases).split(/\r\n|\r|\n/);
  for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
    const si = 1 + Math.floor(rnd() * Math.max(1, segs.length - 1));
    const seg = segs[si];
    if (!seg) continue;
    const fields = seg.split('|');
    const fi = 1 + Math.floor(rnd() * Math.max(1, fields.length));
    while (fields.length <= fi) fields.push('');
    const f = fields[fi]!;
    switch (Math.floor(rnd() * 6)) {
      case 0: fields[fi] = pick(pick(bases).split(/\r|\n/)).split('|')[1 + Math.floor(rnd() * 8)] ?? ''; break;
      case 1: fields[fi] = f.slice(0, Math.floor(rnd() * (f.length + 1))); break;
      case 2: fields[fi] = `${f}~${f}`; break;
      case 3: fields[fi] = pick(['', '""', ' ']); break;
      case 4: { const at = Math.floor(rnd() * (f.length + 1)); fields[fi] = f.slice(0, at) + pick(INSERTS) + f.slice(at); break; }
      default: fields[fi] = ` ${f} `;
    }
    segs[si] = fields.join('|');
  }
  const v = segs.join('\r');
  for (const tz of ['America/Chicago', 'UTC']) {
    const x = a(v, tz), y = b(v, tz);
    if (x === y) mutSame++; else { mutDiff++; if (mutDiff < 4) { let i = 0; while (x[i] === y[i]) i++; console.log('DIFF (mutated)', JSON.stringify(v.slice(0, 300)), '\n old:', x.slice(Math.max(0, i - 200), i + 200), '\n new:', y.slice(Math.max(0, i - 200), i + 200)); } }
  }
}
console.log(`${files.length} files, ${same} same, ${diff} different; ${mutations} mutated messages, ${mutSame} same, ${mutDiff} different`);
