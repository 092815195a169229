/**
 * Routes an outbox item to its destination's client. Clients are built once per destination and
 * kept (token cache, reused MLLP connection).
 */
import { ClearinghouseClient } from '../clients/clearinghouse.js';
import { FolderDropClient } from '../clients/folder-drop.js';
import { FhirClient } from '../clients/fhir.js';
import { MllpPool } from '../clients/mllp-pool.js';
import { WebhookClient } from '../clients/webhook.js';
import type { OutboxItem } from '../store/index.js';
import type { Destination, Destinations } from './config.js';
import { failed, type AttemptOutcome, type Failed } from './outcome.js';
import { errorCodeOf, hasErrors } from '../domain/issues.js';
import { parseHl7 } from '../hl7/message.js';
import { validateMessage } from '../hl7/validate.js';
import { GENERATED_HL7_KIND, issuesText } from './outbound-hl7.js';

/** A generated message that fails its HL7v2 message profile: permanent, with the issues. */
function profileErrors(payload: string): Failed | undefined {
  const m = parseHl7(payload);
  const issues = m.value ? [...m.issues, ...validateMessage(m.value)] : m.issues;
  if (m.value && !hasErrors(issues)) return undefined;
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  return failed(errorCodeOf(errors[0] ?? issues[0]!) ?? 'HL7_NOT_MSH', `not sent: fails its message profile: ${issuesText(errors)}`);
}

type Client = FhirClient | ClearinghouseClient | FolderDropClient | MllpPool | WebhookClient;

export class Dispatcher {
  private readonly clients = new Map<string, Client>();

  constructor(readonly destinations: Destinations, private readonly now: () => Date = () => new Date()) {}

  destination(name: string): Destination | undefined {
    return Object.hasOwn(this.destinations, name) ? this.destinations[name] : undefined;
  }

  /** Names of destinations whose first attempts wait for their batch job (claims). */
  batchDestinations(): string[] {
    return Object.entries(this.destinations).filter(([, d]) => d.type === 'clearinghouse' && d.batch).map(([n]) => n);
  }

  client(name: string): Client | undefined {
    let c = this.clients.get(name);
    if (c) return c;
    const d = this.destination(name);
    if (!d) return undefined;
    switch (d.type) {
      case 'fhir': c = new FhirClient(d, this.now); break;
      case 'clearinghouse': c = d.outbox ? new FolderDropClient(d.outbox) : new ClearinghouseClient(d, this.now); break;
      case 'http': c = new WebhookClient(d, this.now); break;
      case 'mllp': c = new MllpPool(d, d.connections); break;
    }
    this.clients.set(name, c);
    return c;
  }

  async deliver(item: OutboxItem): Promise<AttemptOutcome> {
    const c = this.client(item.destination);
    if (!c) return failed('CONFIG_INVALID', `no destination named "${item.destination}" in the configuration`);
    try {
      if (c instanceof FhirClient) return await c.deliver(item.payload);
      if (c instanceof ClearinghouseClient) return await c.submit(item.payload, item.idempotencyKey, item.contentType || undefined);
      if (c instanceof FolderDropClient) return c.deliver(item);
      if (c instanceof WebhookClient) return await c.post(item.payload, item.contentType, item.idempotencyKey);
      if (item.kind === GENERATED_HL7_KIND) {
        // Checked when queued; checked again here, right before it leaves, so a replayed dead item
        // that fails its profile is never sent either.
        const bad = profileErrors(item.payload);
        if (bad) return bad;
      }
      return await c.send(item.payload);
    } catch (e) {
      // Clients do not throw; if one does, it is a bug: keep the item (INTERNAL is retried) and say so.
      return failed('INTERNAL', `client error: ${(e as Error).name}`);
    }
  }

  close(): void {
    for (const c of this.clients.values()) if (c instanceof MllpPool) c.close();
    this.clients.clear();
  }
}
