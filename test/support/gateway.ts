/**
 * Test helpers for the runtime: configurations on port 0 with a SQLite file in a temp dir, a test
 * flow registered for the duration of a test, and an MLLP client on a real socket.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import type { Bundle } from 'fhir/r4.js';
import { checkConfig, type GatewayConfig } from '../../src/config.js';
import { issue } from '../../src/domain/issues.js';
import { inboundFlows } from '../../src/flows/registry.js';
import type { InboundHl7Flow } from '../../src/flows/types.js';
import { deterministicId } from '../../src/fhir/ids.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';
import { silentLogger } from '../../src/logging.js';
import { testStoreConfig } from './engine.js';
import { startGateway, type Gateway, type StartOptions } from '../../src/gateway.js';
import type { StoredMessage } from '../../src/store/index.js';

/**
 * The message in original acknowledgment mode: MSH-15/MSH-16 emptied, so the gateway answers with
 * one application ACK (AA/AE/AR) and no commit ACK. Everything else stays as sent.
 */
export function originalAckMode(text: string): string {
  const [first, ...rest] = text.split(/(?<=\r\n|\r|\n)/);
  const line = first!.replace(/[\r\n]+$/, '');
  const f = line.split('|');
  if (f.length > 14) f[14] = ''; // MSH-15 (f[0] is 'MSH', f[1] is MSH-2)
  if (f.length > 15) f[15] = ''; // MSH-16
  return [f.join('|') + first!.slice(line.length), ...rest].join('');
}

export const API_KEY = 'test-admin-key-123';
export const FHIR_KEY = 'test-fhir-key-456';

/**
 * A fetch bound to a running gateway's /fhir base and a bearer key (FHIR_KEY unless named); a body
 * goes as application/fhir+json unless the caller sets its own Content-Type. `base` is read at each
 * call, so it can be made before the gateway of a `before` hook starts.
 */
export function fhirCaller(base: () => string, defaultKey = FHIR_KEY) {
  return (path: string, init: RequestInit = {}, key = defaultKey): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${key}`);
    if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/fhir+json');
    return fetch(`${base()}/fhir${path}`, { ...init, headers });
  };
}

/**
 * A test gateway on a fresh store for one describe block: started in a mocha `before` registered
 * here (so a later `before` of the block can seed it), closed with its folder in `after`. `gw()`
 * reads the running gateway; `call` is its fhirCaller; `search` GETs a searchset, expecting 200.
 */
export function useTestGateway(extra: Record<string, unknown> = {}) {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let running: Gateway | undefined;
  const gw = (): Gateway => {
    if (!running) throw new Error('the test gateway is not running (used outside its describe block?)');
    return running;
  };
  const call = fhirCaller(() => gw().http.url);
  const search = async (query: string): Promise<Bundle> => {
    const r = await call(query);
    expect(r.status, await r.clone().text()).to.equal(200);
    return (await r.json()) as Bundle;
  };
  before(async () => {
    tmp = tempDir();
    running = await startTest(join(tmp.dir, 'fd.db'), extra);
  });
  after(async () => {
    await running?.close();
    running = undefined;
    tmp?.cleanup();
  });
  return { gw, call, search };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'frontdesk-rt-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A configuration object (as in the JSON file) with sane test defaults; `extra` is merged at the top. */
export function configJson(dbPath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    practice: { name: 'Test practice', timezone: 'America/New_York' },
    // A SQLite file, or on the PostgreSQL leg a schema named from the path (test/support/engine.ts).
    store: testStoreConfig(dbPath),
    log: { level: 'silent' },
    mllp: { host: '127.0.0.1', maxFrameBytes: 64 * 1024, frameTimeoutMs: 5000, idleTimeoutMs: 60_000 },
    http: {
      host: '127.0.0.1', port: 0, bodyLimitBytes: 256 * 1024,
      auth: { keys: [{ name: 'admin', key: API_KEY, scopes: ['*'] }, { name: 'ehr', key: FHIR_KEY, scopes: ['fhir'] }] },
    },
    processing: { maxAttempts: 3 },
    channels: [
      { name: 'test-mllp', source: { mllp: { port: 0 } }, flow: 'test-flow', destinations: [] },
    ],
    ...extra,
  };
}

export function testConfig(dbPath: string, extra: Record<string, unknown> = {}): GatewayConfig {
  const r = checkConfig(configJson(dbPath, extra), process.cwd(), {});
  if (!r.value) throw new Error(`bad test config: ${JSON.stringify(r.issues)}`);
  return r.value;
}

export async function startTest(dbPath: string, extra: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<Gateway> {
  return startGateway(testConfig(dbPath, extra), { log: silentLogger, ...opts });
}

/**
 * What the runtime's end-to-end tests share: a gateway (real flows, a SQLite file in a temp dir or
 * a schema on the PostgreSQL leg, no HTTP) with one inbound MLLP channel, a client connected to
 * it, and `send`: a message in, its application ACK and the row the gateway stored for it.
 */
export interface MllpHarness {
  gw: Gateway;
  client: MllpClient;
  /** Send one message; MSA-1 of the application ACK and the stored row (issues included). */
  send(text: string): Promise<{ ack: string; row: StoredMessage }>;
  /** As `send`, and the ACK must be `expected` (the row's error issues are the failure message). */
  sendExpecting(text: string, expected?: string): Promise<StoredMessage>;
  close(): Promise<void>;
}

/**
 * Start the harness. `channel` is merged into the inbound channel ({ name: 'inbound', MLLP on port
 * 0, no destinations }: e.g. `{ validation: 'lenient' }`); `extra` into the configuration.
 */
export async function startMllpHarness(channel: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<MllpHarness> {
  const tmp = tempDir();
  const gw = await startTest(join(tmp.dir, 'fd.db'), {
    channels: [{ name: 'inbound', source: { mllp: { port: 0 } }, destinations: [], ...channel }],
    ...extra,
  }, { noHttp: true });
  const client = await MllpClient.connect(gw.mllp[0]!.address().port);
  const send = async (text: string) => {
    const m = msa(await client.roundTrip(text));
    const [found] = await gw.store.messages.list({ controlId: m.controlId });
    if (!found) throw new Error(`no stored row for control id "${m.controlId}" (ACK ${m.code})`);
    return { ack: m.code, row: (await gw.store.messages.get(found.id))! };
  };
  return {
    gw,
    client,
    send,
    async sendExpecting(text, expected = 'AA') {
      const { ack, row } = await send(text);
      expect(ack).to.equal(expected, JSON.stringify(row.issues.filter((i) => i.severity === 'error')));
      return row;
    },
    async close() {
      client.close();
      await gw.close();
      tmp.cleanup();
    },
  };
}

/** A test flow: Patient from PID-3 (deterministic id) + its registration record; counts its runs. */
export interface TestFlow extends InboundHl7Flow {
  runs: number;
  /** Make the next runs throw (an internal error) while true. */
  explode: boolean;
  /** Make the runs of this patient's messages (PID-3.1) throw. */
  explodeMrn?: string;
  /** Runs per patient (PID-3.1). */
  runsOf: Map<string, number>;
}

export function registerTestFlow(name = 'test-flow'): { flow: TestFlow; remove: () => void } {
  const flow: TestFlow = {
    name,
    messageTypes: ['ADT^A04', 'ADT^A08'],
    runs: 0,
    explode: false,
    runsOf: new Map(),
    run(msg) {
      flow.runs++;
      const pid = msg.segment('PID');
      const mrn = pid?.get(3) ?? '';
      flow.runsOf.set(mrn, (flow.runsOf.get(mrn) ?? 0) + 1);
      if (flow.explode || (flow.explodeMrn !== undefined && mrn === flow.explodeMrn)) throw new Error('test flow exploded');
      if (!mrn) return { value: undefined, issues: [issue('HL7_FIELD_REQUIRED', 'PID-3 is required by the test flow.', pid ? msg.location(pid, 3) : 'PID')] };
      const id = deterministicId('Patient', 'test', mrn);
      return {
        value: {
          bundle: {
            resourceType: 'Bundle', type: 'transaction',
            entry: [{ fullUrl: `Patient/${id}`, resource: { resourceType: 'Patient', id, identifier: [{ system: 'urn:test:mrn', value: mrn }], name: [{ family: pid!.get(5, 1) }] }, request: { method: 'PUT', url: `Patient/${id}` } }],
          },
          office: [{ recordType: 'registration', mrn, familyName: pid!.get(5, 1), sex: 'U' }],
        },
        issues: [],
      };
    },
  };
  inboundFlows.unshift(flow);
  return { flow, remove: () => { const i = inboundFlows.indexOf(flow); if (i >= 0) inboundFlows.splice(i, 1); } };
}

/** A minimal valid ADT message (v2.5.1). */
export function adt(controlId: string, opts: { event?: string; mrn?: string; family?: string; msh15?: string; msh16?: string } = {}): string {
  const ev = opts.event ?? 'A04';
  const msh = `MSH|^~\\&|SENDER|FAC|FRONTDESK|CLINIC|20240301083000-0500||ADT^${ev}^ADT_A01|${controlId}|P|2.5.1${opts.msh15 !== undefined || opts.msh16 !== undefined ? `|||${opts.msh15 ?? ''}|${opts.msh16 ?? ''}` : ''}`;
  return `${msh}\rEVN|${ev}|20240301083000-0500\rPID|1||${opts.mrn ?? 'MRN1'}^^^FAC^MR||${opts.family ?? 'Testpatient'}^Jan||19800101|F\rPV1|1|O\r`;
}

/** An MLLP client on a real socket: send frames or raw bytes, read ACK frames in order. */
export class MllpClient {
  readonly socket: net.Socket;
  private readonly decoder = new FrameDecoder();
  private readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (b: Buffer) => {
      this.frames.push(...this.decoder.push(b).frames);
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((r) => socket.on('close', () => { r(); this.wake(); }));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new MllpClient(s)));
      s.once('error', reject);
    });
  }

  static wrap(socket: net.Socket): MllpClient {
    return new MllpClient(socket);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  send(text: string): void {
    this.socket.write(encodeFrame(text));
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next frame received, or undefined if the connection closes first. */
  async next(): Promise<string | undefined> {
    for (;;) {
      if (this.frames.length) return this.frames.shift();
      if (this.socket.destroyed || this.socket.readableEnded) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Send one message and read one frame back. */
  async roundTrip(text: string): Promise<string | undefined> {
    this.send(text);
    return this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** MSA-1 and MSA-2 of an ACK. */
export function msa(ack: string | undefined): { code: string; controlId: string } {
  const line = (ack ?? '').split('\r').find((l) => l.startsWith('MSA')) ?? '';
  const f = line.split('|');
  return { code: f[1] ?? '', controlId: f[2] ?? '' };
}

export function errSegments(ack: string | undefined): string[] {
  return (ack ?? '').split('\r').filter((l) => l.startsWith('ERR'));
}
