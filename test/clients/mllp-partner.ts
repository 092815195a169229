/**
 * A small MLLP partner on loopback for tests: answers each frame as told (or never). It checks
 * every message it receives with our own HL7v2 message-profile validator (`issues[i]` for
 * `received[i]`), so a test can assert that what left the gateway is profile-valid.
 */
import net from 'node:net';
import type { Issue } from '../../src/domain/issues.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { buildAck, type AckCode } from '../../src/hl7/ack.js';
import { validateMessage } from '../../src/hl7/validate.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';

/**
 * An ACK code, or: 'silent' (never answer), 'close' (drop the connection), 'garbage' (not an ACK),
 * an ACK with MSA-3 text and ERR segments, or an enhanced-mode pair: a commit ACK now and an
 * application ACK after it on the same connection (`app: 'none'` sends only the commit ACK).
 */
export type PartnerReply =
  | AckCode | 'silent' | 'close' | 'garbage'
  | { code: AckCode; text?: string; issues?: Issue[] }
  | { commit: AckCode; app: AckCode | 'none'; text?: string; issues?: Issue[]; appAckWants?: 'AL' | 'NE' };

export interface Partner {
  port: number;
  received: string[];
  /** Our validator's issues for each received message (same index). */
  issues: Issue[][];
  /** Frames the gateway sent back to us (its commit ACKs to our application ACKs). */
  acksFromGateway: string[];
  connections: number;
  close(): Promise<void>;
}

export async function startPartner(reply: (message: string, index: number) => PartnerReply): Promise<Partner> {
  const sockets = new Set<net.Socket>();
  const state = { received: [] as string[], issues: [] as Issue[][], acksFromGateway: [] as string[], connections: 0 };
  let acks = 0;
  const ackFor = (frame: string, code: AckCode, extra: { text?: string; issues?: Issue[] } = {}) =>
    buildAck(parseHl7(frame).value!, { code, controlId: `ACK${++acks}`, ...(extra.text ? { text: extra.text } : {}), ...(extra.issues ? { issues: extra.issues } : {}) });
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk).frames) {
        const parsed = parseHl7(frame).value;
        // What the gateway answers to our application ACKs is not a message to acknowledge.
        if (parsed?.messageCode === 'ACK') { state.acksFromGateway.push(frame); continue; }
        const index = state.received.push(frame) - 1;
        state.issues.push(parsed ? validateMessage(parsed) : [{ severity: 'fatal', code: 'structure', diagnostics: 'unreadable' }]);
        const r = reply(frame, index);
        if (r === 'silent') continue;
        if (r === 'close') { socket.destroy(); continue; }
        if (r === 'garbage') { socket.write(encodeFrame('not an ack')); continue; }
        if (typeof r === 'string') { socket.write(encodeFrame(ackFor(frame, r).toString())); continue; }
        if ('code' in r) { socket.write(encodeFrame(ackFor(frame, r.code, r).toString())); continue; }
        socket.write(encodeFrame(ackFor(frame, r.commit).toString()));
        if (r.app === 'none') continue;
        const app = ackFor(frame, r.app, r);
        if (r.appAckWants) app.msh.set(15, r.appAckWants);
        socket.write(encodeFrame(app.toString()));
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get received() { return state.received; },
    get issues() { return state.issues; },
    get acksFromGateway() { return state.acksFromGateway; },
    get connections() { return state.connections; },
    close: () => new Promise<void>((res) => {
      for (const s of sockets) s.destroy();
      server.close(() => res());
    }),
  };
}

let seq = 0;
/** A synthetic ADT message (test patient only). */
export function adt(event: string, mrn: string, controlId = `MSG${++seq}`): string {
  return [
    `MSH|^~\\&|FRONTDESK|CLINIC|EHR|HOSP|20260302101500||ADT^${event}^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|${event}|20260302101500`,
    `PID|1||${mrn}^^^CLINIC^MR||Testperson^Alex||19800101|U`,
    'PV1|1|O',
  ].join('\r') + '\r';
}
