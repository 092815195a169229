/**
 * Turns item results into table rows: Frontdesk's figure, each peer's, and the ratio against the
 * best peer (>1 means Frontdesk is better: faster, or for memory, smaller).
 */
import { fmt } from './harness.js';
import type { ItemResult } from './items.js';
import { HL7_INPUTS, type ParserFigures, type ValidateFigures } from './items-hl7.js';
import { PARSER_NAMES } from './hl7-parsers.js';
import { CHECKS } from './hl7-checks.js';

export interface PeerFigure { name: string; value: number | string | undefined; text: string }
export interface Row {
  section: string;
  item: string;
  unit: string;
  better: 'higher' | 'lower';
  frontdesk: number | string | undefined;
  frontdeskText: string;
  peers: PeerFigure[];
  ratio: number | undefined;
  ratioText: string;
}

type Text = (v: number) => string;

export function makeRow(section: string, item: string, unit: string, better: 'higher' | 'lower', frontdesk: number | string | undefined,
  peers: { name: string; value: number | string | undefined }[], text: Text = (v) => `${fmt(v)} ${unit}`): Row {
  const show = (v: number | string | undefined) => (v === undefined ? 'not measured' : typeof v === 'string' ? v : text(v));
  const nums = peers.map((p) => p.value).filter((v): v is number => typeof v === 'number' && v > 0);
  let ratio: number | undefined;
  if (typeof frontdesk === 'number' && frontdesk > 0 && nums.length) {
    ratio = better === 'higher' ? frontdesk / Math.max(...nums) : Math.min(...nums) / frontdesk;
  }
  return {
    section, item, unit, better, frontdesk, frontdeskText: show(frontdesk),
    peers: peers.map((p) => ({ ...p, text: show(p.value) })),
    ratio, ratioText: ratio === undefined ? '—' : `${ratio.toFixed(2)}x`,
  };
}

function byId(results: ItemResult[], id: string): ItemResult | undefined {
  return results.find((r) => r.id === id);
}

/** A figure from an item, or the reason it is missing. */
function pick<T>(r: ItemResult | undefined, f: (v: T) => number | string): number | string | undefined {
  if (!r) return undefined;
  if (r.error || r.value === undefined) return `failed (${(r.error ?? 'no value').slice(0, 80)})`;
  return f(r.value as T);
}

export function hl7Rows(results: ItemResult[]): Row[] {
  const rows: Row[] = [];
  const S = 'HL7v2 parse and serialize';
  const [ours, ...peers] = PARSER_NAMES.map((name) => ({ name }));
  for (const input of HL7_INPUTS) {
    const get = (p: string) => byId(results, `hl7:${input.id}:${p}`);
    const fd = get(ours!.name);
    if (!fd) continue;
    const bytes = (fd.value as ParserFigures | undefined)?.bytes ?? 0;
    const mbps: Text = (v) => `${fmt(v)} msg/s (${fmt((v * bytes) / 1e6)} MB/s)`;
    for (const [key, label] of [['parse', 'parse'], ['parseRead', 'parse + read mapped fields'], ['serialize', 'serialize']] as const) {
      rows.push(makeRow(S, `${label}: ${input.label} (${fmt(bytes / 1024)} KB)`, 'msg/s', 'higher',
        pick<ParserFigures>(fd, (v) => v[key]),
        peers.map((p) => ({ name: p.name, value: pick<ParserFigures>(get(p.name), (v) => v[key]) })), mbps));
    }
    rows.push(makeRow(S, `peak RSS, parse run: ${input.label}`, 'MB', 'lower', fd.maxRssMB,
      peers.map((p) => ({ name: p.name, value: get(p.name)?.maxRssMB }))));
  }
  const checks = byId(results, 'hl7-checks');
  if (checks?.value) {
    const v = checks.value as Record<string, { passed: string[]; failed: string[] }>;
    const text = (name: string) => `${v[name]!.passed.length}/${CHECKS.length}${v[name]!.failed.length ? ` (fails: ${v[name]!.failed.join(', ')})` : ''}`;
    rows.push({
      ...makeRow('HL7v2 correctness checks', `checks passed (${CHECKS.map((c) => c.name).join(', ')})`, 'checks', 'higher',
        v[ours!.name]!.passed.length, peers.map((p) => ({ name: p.name, value: v[p.name]!.passed.length }))),
      frontdeskText: text(ours!.name),
      peers: peers.map((p) => ({ name: p.name, value: v[p.name]!.passed.length, text: text(p.name) })),
    });
  }
  const V = 'HL7v2 message validation (Frontdesk profiles; peers ship no v2 message-profile validator)';
  for (const input of HL7_INPUTS) {
    const r = byId(results, `hl7-validate:${input.id}`);
    if (!r) continue;
    rows.push(makeRow(V, `validateMessage: ${input.label} (${(r.value as ValidateFigures | undefined)?.issues ?? '?'} issues)`, 'msg/s', 'higher',
      pick<ValidateFigures>(r, (v) => v.validate), []));
    rows.push(makeRow(V, `parse + validateMessage: ${input.label}`, 'msg/s', 'higher', pick<ValidateFigures>(r, (v) => v.parseValidate), []));
    rows.push(makeRow(V, `peak RSS, validate run: ${input.label}`, 'MB', 'lower', r.maxRssMB, []));
  }
  return rows;
}

export function buildRows(results: ItemResult[]): Row[] {
  return [...hl7Rows(results)];
}
