/** A small MLLP partner on loopback for tests: answers each frame as told (or never). */
import net from 'node:net';
import { parseHl7 } from '../../src/hl7/message.js';
import { buildAck, type AckCode } from '../../src/hl7/ack.js';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';

export type PartnerReply = AckCode | 'silent' | 'close' | 'garbage';

export interface Partner {
  port: number;
  received: string[];
  connections: number;
  close(): Promise<void>;
}

export async function startPartner(reply: (message: string, index: number) => PartnerReply): Promise<Partner> {
  const sockets = new Set<net.Socket>();
  const state = { received: [] as string[], connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk).frames) {
        const index = state.received.push(frame) - 1;
        const r = reply(frame, index);
        if (r === 'silent') continue;
        if (r === 'close') { socket.destroy(); continue; }
        if (r === 'garbage') { socket.write(encodeFrame('not an ack')); continue; }
        const ack = buildAck(parseHl7(frame).value!, { code: r, controlId: `ACK${index}` });
        socket.write(encodeFrame(ack.toString()));
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get received() { return state.received; },
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
