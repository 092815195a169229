/**
 * The peer of the MLLP rows: the `@medplum/hl7` server with no store at all, in a process of its
 * own as our gateway is (bench/mllp-gateway.ts), so the load generator does not share its CPU.
 * Used as its README shows: a handler that answers every message with `message.buildAck()` (AA).
 * It stores nothing and fsyncs nothing, so it is the ceiling of "MLLP in Node" that our
 * store-then-ACK figure is read against (#17). Prints `PORT <n>`; SIGTERM stops it.
 *   node --import tsx bench/mllp-peer.ts
 */
import { Hl7Server } from '@medplum/hl7';

const server = new Hl7Server((connection) => {
  connection.addEventListener('message', ({ message }) => connection.send(message.buildAck()));
});
server.start(0);
const net = server.server!;
net.once('listening', () => {
  const a = net.address();
  process.stdout.write(`PORT ${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
