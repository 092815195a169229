/**
 * The MLLP client's acknowledgment rules beyond AA/AE/AR: commit errors are retried, and in
 * enhanced mode (destination hl7.applicationAckTimeoutMs > 0) the application ACK that follows a
 * CA on the same connection decides; a CA alone still counts as delivered.
 */
import { expect } from 'chai';
import { MllpClient } from '../../src/clients/mllp.js';
import { issue } from '../../src/domain/issues.js';
import { parseHl7 } from '../../src/hl7/message.js';
import { adt, startPartner, type Partner, type PartnerReply } from './mllp-partner.js';

const target = (port: number, applicationAckTimeoutMs = 0) => ({
  host: '127.0.0.1', port, tls: false, connectTimeoutMs: 2000, ackTimeoutMs: 2000, idleTimeoutMs: 60_000, hl7: { applicationAckTimeoutMs },
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!cond()) throw new Error(`never happened: ${what}`);
}

describe('clients/mllp: commit errors and enhanced-mode application ACKs', () => {
  let partner: Partner | undefined;
  let client: MllpClient | undefined;
  const start = async (reply: PartnerReply, appAckMs = 0) => {
    partner = await startPartner(() => reply);
    client = new MllpClient(target(partner.port, appAckMs));
  };
  afterEach(async () => {
    client?.close();
    await partner?.close();
    partner = undefined;
  });

  it('CE (commit error) is transient: the partner could not store it now', async () => {
    await start('CE');
    const out = await client!.send(adt('A04', 'MRN-E1', 'E1'));
    expect(out).to.include({ ok: false, errorCode: 'DELIVERY_TRANSIENT', partnerStatus: 'CE' });
  });

  it('CR (commit reject) is the partner\'s final word: dead letter', async () => {
    await start('CR');
    expect(await client!.send(adt('A04', 'MRN-E2', 'E2'))).to.include({ ok: false, errorCode: 'DELIVERY_REJECTED', partnerStatus: 'CR' });
  });

  it('CA then AA: delivered on the application ACK, and the application ACK that asks for one gets our CA', async () => {
    await start({ commit: 'CA', app: 'AA', appAckWants: 'AL' }, 2000);
    const out = await client!.send(adt('A04', 'MRN-E3', 'E3'));
    expect(out).to.include({ ok: true, partnerStatus: 'AA' });
    await until(() => partner!.acksFromGateway.length === 1, 'our CA for the application ACK');
    const ca = parseHl7(partner!.acksFromGateway[0]!).value!;
    expect([ca.segment('MSA')!.get(1), ca.messageCode]).to.deep.equal(['CA', 'ACK']);
  });

  it('CA then AE: dead letter with both ACKs kept, the summary naming the ERR location only', async () => {
    await start({ commit: 'CA', app: 'AE', text: 'Unknown attending Dr Example', issues: [issue('HL7_TABLE_VALUE', 'Attending not on file.', 'PV1.7')] }, 2000);
    const out = await client!.send(adt('A04', 'MRN-E4', 'E4'));
    expect(out).to.include({ ok: false, errorCode: 'DELIVERY_REJECTED', partnerStatus: 'AE' });
    if (!out.ok) {
      expect(out.error).to.equal('ACK AE (ERR PV1.7 103); MSA-3 text in partnerAck');
      expect(out.partnerResponse!.split('\n').map((f) => f.split('\r')[1])).to.deep.equal(['MSA|CA|E4', 'MSA|AE|E4|Unknown attending Dr Example']);
    }
  });

  it('CA and no application ACK in time: delivered as CA (the partner committed it), and the next message uses a fresh connection', async () => {
    await start({ commit: 'CA', app: 'none' }, 100);
    expect(await client!.send(adt('A04', 'MRN-E5', 'E5'))).to.include({ ok: true, partnerStatus: 'CA' });
    expect(await client!.send(adt('A08', 'MRN-E5', 'E6'))).to.include({ ok: true, partnerStatus: 'CA' });
    expect(partner!.connections).to.equal(2);
  });

  it('without applicationAckTimeoutMs a CA alone is delivery (original expectations unchanged)', async () => {
    await start({ commit: 'CA', app: 'AE' });
    expect(await client!.send(adt('A04', 'MRN-E6', 'E7'))).to.include({ ok: true, partnerStatus: 'CA' });
  });
});
