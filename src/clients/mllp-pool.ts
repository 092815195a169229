/**
 * Several MLLP connections to one destination (`destinations.<name>.connections`, default 1).
 * MLLP is lock-step per connection (one message out, its ACK back), so one connection delivers at
 * most one message per round trip; a partner that takes several connections gets messages over
 * each, in parallel. Order is kept where it is promised: the outbox never leases two undelivered
 * items of one ordering key (the patient) at once, so a patient's messages still leave one after
 * the other; messages of different patients may overtake each other, as they may across passes.
 * Each message goes to the connection with the fewest sends queued (ties: the first).
 */
import type tls from 'node:tls';
import type { AttemptOutcome } from '../delivery/outcome.js';
import { MllpClient } from './mllp.js';

export class MllpPool {
  private readonly clients: MllpClient[];
  private readonly queued: number[];

  constructor(target: ConstructorParameters<typeof MllpClient>[0], size: number, tlsOptions: tls.ConnectionOptions = {}) {
    this.clients = Array.from({ length: Math.max(1, size) }, () => new MllpClient(target, tlsOptions));
    this.queued = this.clients.map(() => 0);
  }

  /** Send one HL7 message and wait for its ACK. Never throws. */
  send(message: string): Promise<AttemptOutcome> {
    let i = 0;
    for (let k = 1; k < this.clients.length; k++) if (this.queued[k]! < this.queued[i]!) i = k;
    this.queued[i]!++;
    return this.clients[i]!.send(message).finally(() => { this.queued[i]!--; });
  }

  /** Connections opened so far, over all members. */
  get connectionsOpened(): number {
    return this.clients.reduce((n, c) => n + c.connectionsOpened, 0);
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}
