/**
 * Turns item results into table rows: Frontdesk's figure, each peer's, and the ratio against the
 * best peer (>1 means Frontdesk is better: faster, or for memory, smaller).
 */
import { fmt, median } from './harness.js';
import type { ItemResult } from './items.js';
import { HL7_GROUPS, HL7_INPUTS, groupOf, type ParserFigures, type ValidateFigures } from './items-hl7.js';
import { PARSER_NAMES } from './hl7-parsers.js';
import { CHECKS } from './hl7-checks.js';
import { FHIR_VALIDATORS, type FhirFigures } from './items-fhir.js';
import type { FhirCasesFigures } from './items-fhir-cases.js';
import type { SoakFigures } from './items-soak.js';
import { OFFICE_INPUTS, type DiskFigures, type E2eFigures, type MemoryFigures, type MllpFigures, type ObxScalingFigures, type Throughput } from './items-runtime.js';
import type { StartupFigures } from './items-startup.js';
import { X12_CLAIMS, type X12Figures } from './items-x12.js';
import type { LoadRun, PgFigures } from './items-pg.js';
import type { FhirSearchFigures } from './items-fhir-search.js';
import type { FhirAuthFigures } from './items-fhir-auth.js';

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

/**
 * A table row. The ratio is against the best peer, or against one named peer (`against`) where a
 * target names it (FHIR validation is read against @medplum/core validateResource).
 */
export function makeRow(section: string, item: string, unit: string, better: 'higher' | 'lower', frontdesk: number | string | undefined,
  peers: { name: string; value: number | string | undefined }[], text: Text = (v) => `${fmt(v)} ${unit}`, against?: string): Row {
  const show = (v: number | string | undefined) => (v === undefined ? 'not measured' : typeof v === 'string' ? v : text(v));
  const nums = peers.filter((p) => !against || p.name === against).map((p) => p.value).filter((v): v is number => typeof v === 'number' && v > 0);
  let ratio: number | undefined;
  if (typeof frontdesk === 'number' && frontdesk > 0 && nums.length) {
    ratio = better === 'higher' ? frontdesk / Math.max(...nums) : Math.min(...nums) / frontdesk;
  }
  return {
    section, item, unit, better, frontdesk, frontdeskText: show(frontdesk),
    peers: peers.map((p) => ({ ...p, text: show(p.value) })),
    ratio, ratioText: ratio === undefined ? '—' : `${ratio.toFixed(2)}x${against ? ` vs ${against}` : ''}`,
  };
}

function byId(results: ItemResult[], id: string): ItemResult | undefined {
  return results.find((r) => r.id === id);
}

/** One member of a grouped item (value keyed by member), as an item result of its own; RSS is the group's. */
function member(results: ItemResult[], id: string, key: string): ItemResult | undefined {
  const r = byId(results, id);
  if (!r) return undefined;
  const v = (r.value as Record<string, unknown> | undefined)?.[key] as { error?: string } | undefined;
  if (v && typeof v.error === 'string') return { ...r, value: undefined, error: v.error };
  return { ...r, value: v };
}

function groupLabel(inputId: string): string {
  return HL7_GROUPS[groupOf(inputId)]!.map((id) => HL7_INPUTS.find((i) => i.id === id)!.label).join(' + ');
}

/** Is this input the last of its group (where the group's RSS row goes)? */
function lastOfGroup(inputId: string): boolean {
  const ids = HL7_GROUPS[groupOf(inputId)]!;
  return ids[ids.length - 1] === inputId;
}

/** A figure from an item, or the reason it is missing. */
function pick<T>(r: ItemResult | undefined, f: (v: T) => number | string): number | string | undefined {
  if (!r) return undefined;
  if (r.error || r.value === undefined) return (r.error ?? 'failed (no value)').slice(0, 160);
  return f(r.value as T);
}

export function hl7Rows(results: ItemResult[]): Row[] {
  const rows: Row[] = [];
  const S = 'HL7v2 parse and serialize';
  const [ours, ...peers] = PARSER_NAMES.map((name) => ({ name }));
  for (const input of HL7_INPUTS) {
    const get = (p: string) => member(results, `hl7:${groupOf(input.id)}:${p}`, input.id);
    const fd = get(ours!.name);
    if (!fd) continue;
    const bytes = (fd.value as ParserFigures | undefined)?.bytes ?? 0;
    const mbps: Text = (v) => `${fmt(v)} msg/s (${fmt((v * bytes) / 1e6)} MB/s)`;
    for (const [key, label] of [['parse', 'parse'], ['parseRead', 'parse + read mapped fields'], ['serialize', 'serialize']] as const) {
      rows.push(makeRow(S, `${label}: ${input.label} (${fmt(bytes / 1024)} KB)`, 'msg/s', 'higher',
        pick<ParserFigures>(fd, (v) => v[key]),
        peers.map((p) => ({ name: p.name, value: pick<ParserFigures>(get(p.name), (v) => v[key]) })), mbps));
    }
    if (lastOfGroup(input.id)) {
      rows.push(makeRow(S, `peak RSS, parse runs: ${groupLabel(input.id)}`, 'MB', 'lower', fd.maxRssMB,
        peers.map((p) => ({ name: p.name, value: get(p.name)?.maxRssMB }))));
    }
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
    const r = member(results, `hl7-validate:${groupOf(input.id)}`, input.id);
    if (!r) continue;
    rows.push(makeRow(V, `validateMessage: ${input.label} (${(r.value as ValidateFigures | undefined)?.issues ?? '?'} issues)`, 'msg/s', 'higher',
      pick<ValidateFigures>(r, (v) => v.validate), []));
    rows.push(makeRow(V, `parse + validateMessage: ${input.label}`, 'msg/s', 'higher', pick<ValidateFigures>(r, (v) => v.parseValidate), []));
    if (lastOfGroup(input.id)) rows.push(makeRow(V, `peak RSS, validate runs: ${groupLabel(input.id)}`, 'MB', 'lower', r.maxRssMB, []));
  }
  return rows;
}

export function fhirRows(results: ItemResult[]): Row[] {
  const S = 'FHIR validation: Patient, Appointment, Coverage, Claim (base R4 for peers; Frontdesk profiles for Frontdesk)';
  const [ours, ...peers] = FHIR_VALIDATORS;
  const get = (n: string) => byId(results, `fhir:${n}`);
  const fd = get(ours);
  if (!fd) return [];
  const rows: Row[] = [];
  const caughtText = (v: FhirFigures) => `${v.caught}/${v.invalid} (${v.caughtBase}/${v.invalidBase} invalid by base R4)`;
  const mk = (item: string, unit: string, better: 'higher' | 'lower', f: (v: FhirFigures) => number, text?: (v: FhirFigures) => string) => {
    const row = makeRow(S, item, unit, better, pick<FhirFigures>(fd, f), peers.map((p) => ({ name: p, value: pick<FhirFigures>(get(p), f) })), undefined, '@medplum/core');
    if (text) {
      const t = (r: ItemResult | undefined) => (r?.value ? text(r.value as FhirFigures) : (r?.error ?? 'not measured'));
      row.frontdeskText = t(fd);
      row.peers = peers.map((p) => ({ name: p, value: pick<FhirFigures>(get(p), f), text: t(get(p)) }));
    }
    rows.push(row);
  };
  mk('invalid cases caught (one change each)', 'cases', 'higher', (v) => v.caught, caughtText);
  mk('false alarms on the 4 valid examples', 'errors', 'lower', (v) => v.falseAlarms, (v) => `${v.falseAlarms}/${v.valid}`);
  mk('validate, valid examples', 'res/s', 'higher', (v) => v.validPerSecond);
  mk('validate, valid + invalid mix (28 resources)', 'res/s', 'higher', (v) => v.mixPerSecond);
  mk('load and compile definitions', 'ms', 'lower', (v) => v.loadMs);
  rows.push(makeRow(S, 'peak RSS, validation run', 'MB', 'lower', fd.maxRssMB, peers.map((p) => ({ name: p, value: get(p)?.maxRssMB })), undefined, '@medplum/core'));
  // The ratio of a "lower is better" count with a zero figure says nothing: keep only throughput ratios readable.
  rows[1]!.ratio = undefined;
  rows[1]!.ratioText = '—';
  return rows;
}

/** `frontdesk validate <dir>` on the fhir-test-cases corpus, through the CLI path (Frontdesk only). */
export function fhirCasesRows(results: ItemResult[]): Row[] {
  const r = byId(results, 'fhir-cases-cli');
  if (!r) return [];
  const S = 'FHIR validation through the CLI path (frontdesk validate <dir>): fhir-test-cases (the 114 files of its 118 cases)';
  const v = r.value as FhirCasesFigures | undefined;
  const err = r.error ?? 'not measured';
  return [
    makeRow(S, `files validated (read, detect, profile, validate, OperationOutcome line)${v ? `: ${v.invalid}/${v.files} invalid` : ''}`, 'files/s', 'higher', v ? v.filesPerSecond : err, []),
    makeRow(S, 'one cold pass: load + compile + every file once', 'ms', 'lower', v ? v.coldMs : err, []),
  ];
}

export function endToEndRows(results: ItemResult[]): Row[] {
  const S = 'End to end (Frontdesk only: no peer converts HL7v2 or office records to FHIR)';
  const rows: Row[] = [];
  for (const input of HL7_INPUTS) {
    const r = member(results, `e2e-hl7:${groupOf(input.id)}`, input.id);
    if (!r) continue;
    const v = r.value as E2eFigures | undefined;
    const what = v ? ` (${v.flow}: ${v.ackCode}, ${v.entries} entries${v.errors ? `, ${v.errors} errors` : ''})` : '';
    rows.push(makeRow(S, `${input.label} -> validated FHIR Bundle${what}`, 'msg/s', 'higher', pick<E2eFigures>(r, (x) => x.perSecond), []));
    if (lastOfGroup(input.id)) rows.push(makeRow(S, `peak RSS, end to end: ${groupLabel(input.id)}`, 'MB', 'lower', r.error ? r.error : r.maxRssMB, []));
  }
  const sc = byId(results, 'e2e-hl7:obx-scaling');
  if (sc) {
    const v = sc.value as ObxScalingFigures | undefined;
    const err = sc.error ?? 'failed (no value)';
    rows.push(makeRow(S, `ORU^R01 500 OBX end to end, CPU time per OBX${v ? ` (median of ${v.small.runs})` : ''}`, 'us/OBX', 'lower', v ? v.small.usPerObx : err, []));
    rows.push(makeRow(S, `ORU^R01 10,000 OBX end to end, CPU time per OBX${v ? ` (median of ${v.large.runs}, ${v.ackCode})` : ''}`, 'us/OBX', 'lower', v ? v.large.usPerObx : err, []));
    rows.push(makeRow(S, 'per-OBX time at 10,000 OBX / at 500 OBX', 'x', 'lower', v ? v.ratio : err, [], (x) => `${x.toFixed(2)}x`));
  }
  for (const input of HL7_INPUTS) {
    const r = byId(results, `memory:${input.id}`);
    if (!r) continue;
    const v = r.value as MemoryFigures | undefined;
    rows.push(makeRow(S, `peak RSS, one ${input.label} end to end in a warm process${v ? ` (baseline ${fmt(v.baselineMB)} MB, +${fmt(v.growthMB)} MB)` : ''}`,
      'MB', 'lower', pick<MemoryFigures>(r, (x) => x.peakMB), []));
  }
  for (const kind of Object.keys(OFFICE_INPUTS)) {
    const r = member(results, 'e2e-office', kind);
    if (!r) continue;
    const v = r.value as E2eFigures | undefined;
    const what = v ? ` (${v.flow}: ${v.entries} resource${v.entries === 1 ? '' : 's'}${v.errors ? `, ${v.errors} errors` : ''})` : '';
    rows.push(makeRow(S, `office ${kind} record -> validated FHIR${what}`, 'records/s', 'higher', pick<E2eFigures>(r, (x) => x.perSecond), []));
  }
  return rows;
}

export function runtimeRows(results: ItemResult[]): Row[] {
  const S = 'Runtime: MLLP store-then-ACK (the gateway in its own process: listener, SQLite WAL) and start-up (Frontdesk only)';
  const rows: Row[] = [];
  const m = byId(results, 'mllp');
  if (m) {
    const v = m.value as MllpFigures | undefined;
    const acks = (a: Record<string, number>) => Object.entries(a).map(([k, n]) => `${n} ${k}`).join(', ');
    const load = (t: Throughput | undefined) => (t?.load !== undefined ? `; load average ${t.load}` : '');
    // The peer: the @medplum/hl7 server without any store, same client and messages (bench/mllp-peer.ts).
    const peer = (f: (x: MllpFigures) => Throughput | string | undefined, what: (t: Throughput) => number | undefined) => [{
      name: '@medplum/hl7 (no store)',
      value: pick<MllpFigures>(m, (x) => { const t = f(x); return t === undefined ? 'not measured' : typeof t === 'string' ? t : what(t) ?? 'not measured'; }),
    }];
    const perMsg = (x: number) => `${fmt(x)} µs CPU/msg`;
    rows.push(makeRow(S, `ADT^A04 over 1 connection, enhanced mode (commit ACK)${v ? ` (${acks(v.one.acks)}; ${v.synchronous}${load(v.one)})` : ''}`, 'msg/s', 'higher', pick<MllpFigures>(m, (x) => x.one.perSecond),
      peer((x) => x.peerOne, (t) => t.perSecond)));
    // Beside the peer, the floor (bench/mllp-floor.ts): one table, group commit, fsync off the loop, nothing else. The ratio stays against the peer.
    const floor = (what: (t: Throughput) => number | undefined) => [{
      name: 'floor: one table, group commit, no processing (bench/mllp-floor.ts)',
      value: pick<MllpFigures>(m, (x) => { const t = x.floorEight; return t === undefined ? 'not measured' : typeof t === 'string' ? t : what(t) ?? 'not measured'; }),
    }];
    const PEER = '@medplum/hl7 (no store)';
    rows.push(makeRow(S, `ADT^A04 over 8 connections, enhanced mode (commit ACK; processing caught up before the run)${v ? ` (${acks(v.eight.acks)}${load(v.eight)})` : ''}`, 'msg/s', 'higher', pick<MllpFigures>(m, (x) => x.eight.perSecond),
      [...peer((x) => x.peerEight, (t) => t.perSecond), ...floor((t) => t.perSecond)], undefined, PEER));
    rows.push(makeRow(S, 'server CPU per message, ADT^A04 over 8 connections, enhanced mode (user + system time of the server process)', 'µs CPU/msg', 'lower',
      pick<MllpFigures>(m, (x) => x.eight.cpuUsPerMessage ?? 'not measured'), [...peer((x) => x.peerEight, (t) => t.cpuUsPerMessage), ...floor((t) => t.cpuUsPerMessage)], perMsg, PEER));
    if (v?.drain) {
      rows.push(makeRow(S, `processing behind intake (processing.maxBacklog 50,000): the 8-connection enhanced-mode run committed and answered (CA) ${fmt(v.drain.messages)} messages; processing caught up with them after the run ended in`, 's', 'lower', v.drain.seconds, []));
    }
    rows.push(makeRow(S, `ADT^A04 over 1 connection, original mode (application ACK after processing)${v?.originalOne ? ` (${acks(v.originalOne.acks)}${load(v.originalOne)})` : ''}`, 'msg/s', 'higher', pick<MllpFigures>(m, (x) => x.originalOne?.perSecond ?? 'not measured'), []));
    rows.push(makeRow(S, `ADT^A04 over 8 connections, original mode${v?.originalEight ? ` (${acks(v.originalEight.acks)}${load(v.originalEight)})` : ''}`, 'msg/s', 'higher', pick<MllpFigures>(m, (x) => x.originalEight?.perSecond ?? 'not measured'), []));
    rows.push(makeRow(S, 'server CPU per message, ADT^A04 over 8 connections, original mode (intake, processing, ACKs)', 'µs CPU/msg', 'lower',
      pick<MllpFigures>(m, (x) => x.originalEight?.cpuUsPerMessage ?? 'not measured'), [], perMsg));
    rows.push(makeRow(S, 'ACK latency p50 at a steady 100 msg/s (4 connections)', 'ms', 'lower', pick<MllpFigures>(m, (x) => x.latency.p50), []));
    rows.push(makeRow(S, 'ACK latency p99 at a steady 100 msg/s (4 connections)', 'ms', 'lower', pick<MllpFigures>(m, (x) => x.latency.p99), []));
    rows.push(makeRow(S, 'ACK latency p99 at a steady 2,000 msg/s (8 connections)', 'ms', 'lower', pick<MllpFigures>(m, (x) => x.latency2000?.p99 ?? 'not measured'), []));
    rows.push(makeRow(S, `slowest GET /health while a 10,000-OBX ORU^R01 is processed${v?.health ? ` (${v.health.answers} answers${v.health.resets ? `, ${v.health.resets} reset` : ''}; ORU ${fmt(v.health.oruKB)} KB answered ${v.health.oruAck})` : ''}`, 'ms', 'lower', pick<MllpFigures>(m, (x) => x.health?.maxMs ?? 'not measured'), []));
    rows.push(makeRow(S, 'peak RSS of the gateway process during the MLLP runs', 'MB', 'lower', pick<MllpFigures>(m, (x) => x.gatewayRssMB ?? 'not reported'), []));
  }
  const soak = byId(results, 'soak');
  if (soak) {
    const sv = soak.value as SoakFigures | undefined;
    rows.push(makeRow(S, `gateway RSS growth over a ${fmt(sv?.minutes ?? 10)}-minute soak at 1,000 msg/s after warm-up${sv ? ` (${fmt(sv.warmRssMB)} -> ${fmt(sv.endRssMB)} MB; ${sv.acked} of ${sv.sent} acknowledged; backlog ${fmt(sv.warmBacklog)} -> ${fmt(sv.endBacklog)} messages)` : ''}`, 'MB', 'lower', pick<SoakFigures>(soak, (x) => x.growthMB), []));
  }
  const disk = byId(results, 'disk');
  if (disk) {
    rows.push(makeRow(S, 'reference: raw SQLite fsync\'d commits on the same disk, 1 row per commit (the ceiling for 1 connection)', 'commits/s', 'higher',
      pick<DiskFigures>(disk, (x) => x.commitsPerSecond), []));
    rows.push(makeRow(S, 'reference: raw SQLite, 8 rows per fsync\'d commit', 'rows/s', 'higher', pick<DiskFigures>(disk, (x) => x.rowsPerSecondBatched), []));
  }
  for (const [id, what] of [['startup', 'gateway start-up: spawn to "HTTP listening"'], ['cli-validate', 'CLI validate of one file: spawn to exit']] as const) {
    const s = byId(results, id);
    if (!s) continue;
    const v = s.value as StartupFigures | undefined;
    const detail = v ? ` (median of ${v.runs.length}, warm cache; ${v.command}; CPU ${fmt(median(v.cpuMs))} ms; load average ${v.load.average} on ${v.load.cpus} CPUs)` : '';
    rows.push(makeRow(S, `${what}${detail}`, 'ms', 'lower', pick<StartupFigures>(s, (x) => x.medianMs), []));
    if (v?.readyMedianMs !== undefined) {
      rows.push(makeRow(S, 'gateway start-up: spawn to "ready" (pipeline, HTTP app, delivery worker and jobs loaded; a message sent at "listening" waits for this)', 'ms', 'lower', v.readyMedianMs, []));
    }
    if (v?.loadMs !== undefined) {
      rows.push(makeRow(S, 'split, measured in a separate probe run: process start to gateway modules loaded', 'ms', 'lower', v.loadMs, []));
      rows.push(makeRow(S, 'split, measured in a separate probe run: startGateway() (store, migrations, recovery, listeners, HTTP, then loading the pipeline and the HTTP app)', 'ms', 'lower', v.startMs, []));
    }
  }
  return rows;
}

/**
 * PostgreSQL beside SQLite (issue #16), both measured by the pg item (bench/items-pg.ts) with the
 * same gateway process and load (ratio = PostgreSQL / SQLite; for CPU per message, SQLite / PostgreSQL).
 */
export function pgRows(results: ItemResult[]): Row[] {
  const p = byId(results, 'pg');
  if (!p) return [];
  const v = p.value as PgFigures | undefined;
  const load = v ? `load average ${[v.sqlite, v.one, v.three].map((r) => `${r.load[0]}-${r.load[1]}`).join(', ')} during the SQLite, 1- and 3-instance runs` : 'load average not measured';
  const S = `Scale-out: PostgreSQL beside SQLite (pg item: throwaway cluster${v ? `, ${v.server}` : ''}, fsync and synchronous_commit on; SQLite WAL, synchronous=FULL; same gateway process, ADT^A04, 1,000 patients; ${load})`;
  const acks = (a: Record<string, number>) => Object.entries(a).map(([k, n]) => `${n} ${k}`).join(', ');
  const sqliteOf = (f: (x: PgFigures) => number) => (v ? f(v) : undefined);
  const cpu = (r: LoadRun) => r.cpuMsPerMessage.gateway + r.cpuMsPerMessage.server + r.cpuMsPerMessage.client;
  const split = (r: LoadRun) => `gateway ${fmt(r.cpuMsPerMessage.gateway)} + server ${fmt(r.cpuMsPerMessage.server)} + load generator ${fmt(r.cpuMsPerMessage.client)} ms`;
  return [
    makeRow(S, `MLLP store-then-ACK (commit ACK), 8 connections, 1 instance${v ? ` (${acks(v.one.acks)}; ${pgTarget(v)})` : ''}`, 'msg/s', 'higher',
      pick<PgFigures>(p, (x) => x.one.perSecond), [{ name: 'SQLite', value: sqliteOf((x) => x.sqlite.perSecond) }]),
    makeRow(S, `MLLP store-then-ACK, 8 connections spread over 3 instances${v ? ` (${acks(v.three.acks)}; ${(v.three.perSecond / v.one.perSecond).toFixed(2)}x of 1 instance)` : ''}`, 'msg/s', 'higher',
      pick<PgFigures>(p, (x) => x.three.perSecond), [{ name: 'SQLite, 1 instance', value: sqliteOf((x) => x.sqlite.perSecond) }]),
    makeRow(S, 'processing throughput, stored -> processed, 1 instance', 'msg/s', 'higher',
      pick<PgFigures>(p, (x) => x.one.processedPerSecond), [{ name: 'SQLite', value: sqliteOf((x) => x.sqlite.processedPerSecond) }]),
    makeRow(S, `processing throughput, stored -> processed, 3 instances${v ? ` (${(v.three.processedPerSecond / v.one.processedPerSecond).toFixed(2)}x of 1 instance)` : ''}`, 'msg/s', 'higher',
      pick<PgFigures>(p, (x) => x.three.processedPerSecond), [{ name: 'SQLite, 1 instance', value: sqliteOf((x) => x.sqlite.processedPerSecond) }]),
    makeRow(S, `CPU per message stored and processed, 1 instance${v ? ` (${split(v.one)}; SQLite: ${split(v.sqlite)})` : ''}`, 'ms', 'lower',
      pick<PgFigures>(p, (x) => cpu(x.one)), [{ name: 'SQLite', value: sqliteOf((x) => cpu(x.sqlite)) }]),
    makeRow(S, `CPU per message stored and processed, 3 instances${v ? ` (${split(v.three)})` : ''}`, 'ms', 'lower',
      pick<PgFigures>(p, (x) => cpu(x.three)), [{ name: 'SQLite, 1 instance', value: sqliteOf((x) => cpu(x.sqlite)) }]),
    makeRow(S, 'reference: raw INSERT of a 1.2 KB row, 1 row per commit, 1 connection (same machine)', 'commits/s', 'higher',
      pick<PgFigures>(p, (x) => x.commitsPerSecond), [{ name: 'SQLite', value: sqliteOf((x) => x.sqliteCommitsPerSecond) }]),
  ];
}

/** #16: one instance on PostgreSQL at least half the SQLite figure (MLLP store-then-ACK, 8 connections). */
function pgTarget(v: PgFigures): string {
  return `target >= 50% of SQLite: ${v.one.perSecond >= 0.5 * v.sqlite.perSecond ? 'met' : 'NOT met'}`;
}

export function x12Rows(results: ItemResult[]): Row[] {
  const fd = byId(results, 'x12:Frontdesk');
  const peer = byId(results, 'x12:node-x12');
  if (!fd && !peer) return [];
  const v = fd?.value as X12Figures | undefined;
  const S = `X12 5010: an 837P batch of ${X12_CLAIMS} claims${v ? ` (${fmt(v.bytes / 1024)} KB, ${v.segments} segments)` : ''}; node-x12 reads segments and envelope only (no guide)`;
  const per: Text = (x) => `${fmt(x)} interchanges/s (${fmt(x * X12_CLAIMS)} claims/s)`;
  return [
    makeRow(S, 'parse: envelope and segments (Frontdesk readInterchange; node-x12 X12Parser strict)', 'interchanges/s', 'higher',
      pick<X12Figures>(fd, (x) => x.parse), [{ name: 'node-x12', value: pick<X12Figures>(peer, (x) => x.parse) }], per),
    makeRow(S, `parse + 005010X222A1 guide validation + claim model (parse837; ${v?.issues ?? '?'} issues)`, 'interchanges/s', 'higher',
      pick<X12Figures>(fd, (x) => x.parseGuide ?? 'not measured'), [], per),
    makeRow(S, 'build from claim Bundles (claim edits, guide map, envelope, read-back through the guide)', 'interchanges/s', 'higher',
      pick<X12Figures>(fd, (x) => x.build ?? 'not measured'), [], per),
    makeRow(S, '835 read with its balancing checked (examples/x12/inbound/835-paid.x12)', 'remittances/s', 'higher',
      pick<X12Figures>(fd, (x) => x.read835 ?? 'not measured'), []),
    makeRow(S, 'peak RSS of the run', 'MB', 'lower', fd?.maxRssMB, [{ name: 'node-x12', value: peer?.maxRssMB }]),
  ];
}

/**
 * Authorization on the FHIR API (issue #18): JWT verifications per CPU-second, and a FHIR read with
 * an API key beside the same read with a bearer JWT (scope check and audit row included).
 */
export function fhirAuthRows(results: ItemResult[]): Row[] {
  const r = byId(results, 'fhir-auth');
  if (!r) return [];
  const v = r.value as FhirAuthFigures | undefined;
  const S = `FHIR authorization: SMART bearer JWTs beside API keys (client in the same process; audit row written before each answer${v ? `; load average ${v.load}` : ''})`;
  const read = (x: number, f?: { p50: number; p99: number }) => `${fmt(x)} reads per CPU-second${f ? ` (p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms wall-clock)` : ''}`;
  return [
    makeRow(S, 'JWT verification of a new token, ES384 key from a JWKS file (signature, iss, aud, exp)', 'verifications/s', 'higher', pick<FhirAuthFigures>(r, (x) => x.verifyEs384PerCpuSecond), [], (x) => `${fmt(x)} per CPU-second`),
    makeRow(S, 'JWT verification of a new token, RS384 key from a JWKS file', 'verifications/s', 'higher', pick<FhirAuthFigures>(r, (x) => x.verifyRs384PerCpuSecond), [], (x) => `${fmt(x)} per CPU-second`),
    makeRow(S, 'GET /fhir/Patient/{id} with an API key (system/Patient.rs)', 'reads/s', 'higher', pick<FhirAuthFigures>(r, (x) => x.apiKey.perCpuSecond), [], (x) => read(x, v?.apiKey)),
    makeRow(S, 'GET /fhir/Patient/{id} with a bearer JWT (ES384, system/Patient.rs; the same token each time, as a client sends it)', 'reads/s', 'higher', pick<FhirAuthFigures>(r, (x) => x.jwt.perCpuSecond), [], (x) => `${read(x, v?.jwt)}${v ? `; ${(v.jwt.perCpuSecond / v.apiKey.perCpuSecond).toFixed(2)}x of the API key's` : ''}`),
  ];
}

/** The p99 target of a FHIR search at 100,000 Patients ("a few ms", issue #18), read against the HTTP answer. */
export const FHIR_SEARCH_P99_MS = 5;

/**
 * FHIR search at 100,000 Patients (issue #18), per store engine: store searches per CPU-second,
 * and p99 wall-clock through the store and through HTTP (the target's figure).
 */
export function fhirSearchRows(results: ItemResult[]): Row[] {
  const rows: Row[] = [];
  for (const engine of ['sqlite', 'postgres'] as const) {
    const r = byId(results, `fhir-search:${engine}`);
    if (!r) continue;
    const v = r.value as FhirSearchFigures | undefined;
    const name = engine === 'sqlite' ? 'SQLite' : `PostgreSQL${v?.server ? ` ${v.server}` : ''}`;
    const S = `FHIR search: ${v ? fmt(v.patients) : '100,000'} Patients on ${name} (loaded through the store${v ? ` at ${fmt(v.loadPerSecond)} Patients/s with their index rows` : ''}; load average ${v?.load ?? '?'})`;
    for (const kind of ['identifier', 'birthdate'] as const) {
      const what = kind === 'identifier' ? 'by identifier (system|value, 1 match)' : 'by birthdate (one day, a few matches)';
      rows.push(makeRow(S, `search ${what} through the store, with total`, 'searches/s', 'higher', pick<FhirSearchFigures>(r, (x) => x[kind].perCpuSecond), [],
        (x) => `${fmt(x)} searches per CPU-second${v ? ` (p50 ${fmt(v[kind].storeP50)} ms, p99 ${fmt(v[kind].storeP99)} ms wall-clock)` : ''}`));
      rows.push(makeRow(S, `GET /fhir/Patient?${kind}=... p99 over HTTP, client in another process (target p99 <= ${FHIR_SEARCH_P99_MS} ms)`, 'ms', 'lower', pick<FhirSearchFigures>(r, (x) => x[kind].httpP99), [],
        (x) => `${fmt(x)} ms${v ? ` (p50 ${fmt(v[kind].httpP50)} ms; the client in a process of its own; ${fmt(v[kind].httpPerCpuSecond)} searches per CPU-second of the gateway process${v[kind].clientPerCpuSecond ? `, ${fmt(v[kind].clientPerCpuSecond)} of the client's` : ''})` : ''}`));
    }
  }
  return rows;
}

export function buildRows(results: ItemResult[]): Row[] {
  return [...hl7Rows(results), ...fhirRows(results), ...fhirCasesRows(results), ...endToEndRows(results), ...x12Rows(results), ...runtimeRows(results), ...pgRows(results), ...fhirSearchRows(results), ...fhirAuthRows(results)];
}

/** The issue's targets, read against this run's figures (goals, never test assertions). */
export function targetLines(results: ItemResult[], rows: Row[]): string[] {
  const out: string[] = [];
  const say = (goal: string, met: boolean | undefined, detail: string) =>
    out.push(`- ${met === undefined ? 'not measured' : met ? 'met' : 'NOT met'}: ${goal} (${detail})`);
  const parseRows = rows.filter((r) => r.section.startsWith('HL7v2 parse') && r.item.startsWith('parse + read'));
  const minParse = parseRows.map((r) => r.ratio).filter((x): x is number => x !== undefined);
  const checks = rows.find((r) => r.section === 'HL7v2 correctness checks');
  const allChecks = checks !== undefined && checks.frontdesk === CHECKS.length;
  say('HL7v2 parse >= 2x the fastest peer with every correctness check passed',
    minParse.length ? Math.min(...minParse) >= 2 && allChecks : undefined,
    `parse + read: ${minParse.map((x) => `${x.toFixed(1)}x`).join(', ')} across the inputs; checks ${checks?.frontdeskText ?? '?'}`);
  const fd = byId(results, 'fhir:Frontdesk')?.value as FhirFigures | undefined;
  const mp = byId(results, 'fhir:@medplum/core')?.value as FhirFigures | undefined;
  say('FHIR validation catches every invalid case at >= 20x @medplum/core validateResource',
    fd && mp ? fd.caught === fd.invalid && fd.mixPerSecond / mp.mixPerSecond >= 20 && fd.validPerSecond / mp.validPerSecond >= 20 : undefined,
    fd && mp ? `${fd.caught}/${fd.invalid} caught; ${(fd.validPerSecond / mp.validPerSecond).toFixed(1)}x on valid, ${(fd.mixPerSecond / mp.mixPerSecond).toFixed(1)}x on the mix` : 'missing');
  const adt = member(results, 'e2e-hl7:small', 'adt')?.value as E2eFigures | undefined;
  say('end to end >= 10,000 ADT msg/s on one core', adt ? adt.perSecond >= 10_000 && adt.ackCode === 'AA' : undefined,
    adt ? `${fmt(adt.perSecond)} msg/s per CPU-second, ${adt.ackCode}` : 'missing');
  // #17 hot path: per CPU-second, every output validated against its profile, the message profile checked.
  say('#17 ADT^A04 -> validated FHIR Bundle >= 10,000 msg/s per CPU-second', adt ? adt.perSecond >= 10_000 && adt.ackCode === 'AA' : undefined,
    adt ? `${fmt(adt.perSecond)} msg/s per CPU-second, ${adt.ackCode}` : 'missing');
  const oru = member(results, 'e2e-hl7:small', 'oru25')?.value as E2eFigures | undefined;
  say('#17 ORU^R01 25 OBX -> validated FHIR Bundle >= 2,500 msg/s per CPU-second', oru ? oru.perSecond >= 2_500 && oru.ackCode === 'AA' : undefined,
    oru ? `${fmt(oru.perSecond)} msg/s per CPU-second, ${oru.ackCode}` : 'missing');
  const sc = byId(results, 'e2e-hl7:obx-scaling')?.value as ObxScalingFigures | undefined;
  say('#17 per-OBX time at 10,000 OBX <= 2x per-OBX time at 500', sc ? sc.ratio <= 2 && sc.ackCode === 'AA' : undefined,
    sc ? `${fmt(sc.large.usPerObx)} us/OBX at 10,000, ${fmt(sc.small.usPerObx)} us/OBX at 500: ${sc.ratio.toFixed(2)}x, CPU time` : 'missing');
  const pgv = byId(results, 'pg')?.value as PgFigures | undefined;
  say('#16 one instance on PostgreSQL >= 50% of the SQLite figure (MLLP store-then-ACK, 8 connections, same run)', pgv ? pgv.one.perSecond >= 0.5 * pgv.sqlite.perSecond : undefined,
    pgv ? `PostgreSQL ${fmt(pgv.one.perSecond)} msg/s, SQLite ${fmt(pgv.sqlite.perSecond)} msg/s: ${(pgv.one.perSecond / pgv.sqlite.perSecond * 100).toFixed(0)}%; 3 instances ${fmt(pgv.three.perSecond)} msg/s (${(pgv.three.perSecond / pgv.one.perSecond).toFixed(2)}x of 1); load average ${pgv.one.load.join('-')}` : 'missing');
  const m = byId(results, 'mllp')?.value as MllpFigures | undefined;
  say('MLLP >= 5,000 msg/s over 8 connections with fsync\'d commits', m ? m.eight.perSecond >= 5000 : undefined,
    m ? `${fmt(m.eight.perSecond)} msg/s wall-clock, ${m.synchronous}` : 'missing');
  // #17: the throughput targets (wall-clock, 2 cores, synchronous=FULL).
  const peer8 = typeof m?.peerEight === 'object' ? m.peerEight : undefined;
  const peer1 = typeof m?.peerOne === 'object' ? m.peerOne : undefined;
  const floor8 = typeof m?.floorEight === 'object' ? m.floorEight : undefined;
  say('#17 MLLP enhanced mode (commit ACK), ADT^A04, 8 connections >= 13,400 msg/s and above the @medplum/hl7 server without a store',
    m && peer8 ? m.eight.perSecond >= 13_400 && m.eight.perSecond > peer8.perSecond : undefined,
    m ? `${fmt(m.eight.perSecond)} msg/s${m.eight.cpuUsPerMessage !== undefined ? ` (${fmt(m.eight.cpuUsPerMessage)} µs CPU/msg)` : ''}; @medplum/hl7 ${peer8
      ? `${fmt(peer8.perSecond)} msg/s${peer8.cpuUsPerMessage !== undefined ? ` (${fmt(peer8.cpuUsPerMessage)} µs CPU/msg)` : ''}, ratio ${(m.eight.perSecond / peer8.perSecond).toFixed(2)}x`
      : String(m.peerEight ?? 'not measured')}; the store-then-ACK floor (bench/mllp-floor.ts) ${floor8
      ? `${fmt(floor8.perSecond)} msg/s${floor8.cpuUsPerMessage !== undefined ? ` (${fmt(floor8.cpuUsPerMessage)} µs CPU/msg)` : ''}`
      : String(m.floorEight ?? 'not measured')}; 1 connection ${fmt(m.one.perSecond)} vs ${peer1 ? fmt(peer1.perSecond) : 'not measured'}; load average ${m.eight.load ?? '?'}` : 'missing');
  say('#17 MLLP original mode (application ACK after processing), 8 connections >= 5,000 msg/s', m?.originalEight ? m.originalEight.perSecond >= 5000 : undefined,
    m?.originalEight ? `${fmt(m.originalEight.perSecond)} msg/s` : 'missing');
  say('#17 MLLP original mode, 1 connection waiting for each ACK >= 1,500 msg/s', m?.originalOne ? m.originalOne.perSecond >= 1500 : undefined,
    m?.originalOne ? `${fmt(m.originalOne.perSecond)} msg/s` : 'missing');
  say('#17 p99 ACK latency at a steady 100 msg/s <= 5 ms', m ? m.latency.p99 <= 5 : undefined, m ? `${fmt(m.latency.p99)} ms` : 'missing');
  say('#17 p99 ACK latency at a steady 2,000 msg/s <= 20 ms', m?.latency2000 ? m.latency2000.p99 <= 20 : undefined,
    m?.latency2000 ? `${fmt(m.latency2000.p99)} ms` : 'missing');
  say('#17 /health while a 10,000-OBX ORU is processed < 100 ms', m?.health ? m.health.maxMs < 100 : undefined,
    m?.health ? `slowest of ${m.health.answers} answers ${fmt(m.health.maxMs)} ms; the ORU answered ${m.health.oruAck}` : 'missing');
  const fa = byId(results, 'fhir-auth');
  if (fa) {
    const f = fa.value as FhirAuthFigures | undefined;
    say('#18 a FHIR read with a bearer JWT keeps >= 2/3 of the reads per CPU-second of the same read with an API key',
      f ? f.jwt.perCpuSecond >= (2 / 3) * f.apiKey.perCpuSecond : undefined,
      f ? `${fmt(f.jwt.perCpuSecond)} vs ${fmt(f.apiKey.perCpuSecond)} reads per CPU-second (${(f.jwt.perCpuSecond / f.apiKey.perCpuSecond).toFixed(2)}x); ES384 verification ${fmt(f.verifyEs384PerCpuSecond)}/CPU-s; p99 ${fmt(f.jwt.p99)} vs ${fmt(f.apiKey.p99)} ms; load average ${f.load}` : (fa.error ?? 'missing'));
  }
  for (const engine of ['sqlite', 'postgres'] as const) {
    const fr = byId(results, `fhir-search:${engine}`);
    if (!fr) continue;
    const f = fr.value as FhirSearchFigures | undefined;
    for (const kind of ['identifier', 'birthdate'] as const) {
      say(`#18 FHIR search of 100,000 Patients by ${kind} on ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: p99 <= ${FHIR_SEARCH_P99_MS} ms over HTTP`,
        f ? f[kind].httpP99 <= FHIR_SEARCH_P99_MS && f.patients >= 100_000 : undefined,
        f ? `p99 ${fmt(f[kind].httpP99)} ms over HTTP (client in another process), ${fmt(f[kind].storeP99)} ms in the store, ${fmt(f[kind].perCpuSecond)} searches per CPU-second; ${fmt(f.patients)} Patients; load average ${f.load}` : (fr.error ?? 'missing'));
    }
  }
  const soak = byId(results, 'soak')?.value as SoakFigures | undefined;
  say('#17 gateway RSS flat over a 10-minute soak at 1,000 msg/s (growth < 10 MB after warm-up)', soak ? soak.growthMB < 10 : undefined,
    soak ? `${fmt(soak.growthMB)} MB over ${fmt(soak.minutes)} min; ${soak.acked} of ${soak.sent} acknowledged; backlog ${fmt(soak.warmBacklog)} -> ${fmt(soak.endBacklog)}` : 'run with --soak');
  const s = byId(results, 'startup')?.value as StartupFigures | undefined;
  say('start-up to "HTTP listening" < 300 ms (compiled build, warm cache)', s ? s.medianMs < 300 : undefined,
    s ? `${fmt(s.medianMs)} ms wall-clock, ${fmt(median(s.cpuMs))} ms CPU${s.readyMedianMs !== undefined ? `, ready after ${fmt(s.readyMedianMs)} ms` : ''}; load average ${s.load.average} on ${s.load.cpus} CPUs` : 'missing');
  const c = byId(results, 'cli-validate')?.value as StartupFigures | undefined;
  say('CLI validate of one file < 300 ms (compiled build, warm cache)', c ? c.medianMs < 300 : undefined,
    c ? `${fmt(c.medianMs)} ms wall-clock, ${fmt(median(c.cpuMs))} ms CPU; load average ${c.load.average} on ${c.load.cpus} CPUs` : 'missing');
  return out;
}
