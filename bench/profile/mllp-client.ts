/**
 * The profile scripts' MLLP sender on loopback: one frame in flight per call, each ACK handed to
 * the oldest waiting send (an MLLP peer answers in order on a connection).
 */
import net from 'node:net';
import { encodeFrame, FrameDecoder } from '../../src/mllp/framing.js';

export interface MllpClient { send(text: string): Promise<string>; close(): void }

export function connectMllp(port: number): Promise<MllpClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    const waiting: ((ack: string) => void)[] = [];
    socket.on('data', (chunk: Buffer) => { for (const f of decoder.push(chunk).frames) waiting.shift()?.(f); });
    socket.once('error', reject);
    socket.once('connect', () => resolve({
      send: (text) => new Promise<string>((res) => { waiting.push(res); socket.write(encodeFrame(text)); }),
      close: () => socket.destroy(),
    }));
  });
}
