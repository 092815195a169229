import { expect } from 'chai';
import { checkDeliveryConfig, parseDeliveryConfig } from '../../src/delivery/config.js';

const where = (raw: unknown) => checkDeliveryConfig(raw).map((i) => i.expression?.[0]);
const ok = {
  destinations: {
    ehr: { type: 'fhir', baseUrl: 'https://ehr.example.org/fhir/', auth: { type: 'smart-backend', tokenUrl: 'https://ehr.example.org/token', clientId: 'fd', alg: 'ES384', privateKeyFile: 'secrets/ehr.pem' } },
    lab: { type: 'mllp', host: 'lab.example.org', port: 2575 },
    clearinghouse: { type: 'clearinghouse', url: 'https://claims.example.com/v1/claims', auth: { type: 'bearer', token: 'x' } },
    office: { type: 'http', url: 'https://office.example.net/inbox' },
  },
  jobs: { timezone: 'America/Chicago', eligibilityDestination: 'ehr', 'claim-batch': { schedule: '0 18 * * 1-5' } },
};

describe('delivery/config: destinations and jobs checker', () => {
  it('accepts a good configuration and fills in defaults', () => {
    const r = parseDeliveryConfig(ok);
    expect(r.issues).to.deep.equal([]);
    const d = r.value!.destinations;
    expect(d.ehr).to.include({ type: 'fhir', baseUrl: 'https://ehr.example.org/fhir', writeMode: 'conditional-update', timeoutMs: 15_000 });
    expect(d.lab).to.include({ type: 'mllp', ackTimeoutMs: 30_000, tls: false });
    expect(d.clearinghouse).to.include({ batch: true });
    expect(d.office).to.include({ type: 'http', url: 'https://office.example.net/inbox', maxRedirects: 3 });
    expect(r.value!.jobs).to.include({ timezone: 'America/Chicago', claimDestination: 'clearinghouse', eligibilityDestination: 'ehr', retentionDays: 30 });
    expect(r.value!.jobs.settings['claim-batch']).to.deep.equal({ enabled: true, schedule: '0 18 * * 1-5' });
  });

  it('with no sections: no destinations, claim and eligibility jobs off', () => {
    const r = parseDeliveryConfig({});
    expect(r.issues).to.deep.equal([]);
    expect(r.value!.jobs.settings['claim-batch']!.enabled).to.equal(false);
    expect(r.value!.jobs.settings.eligibility!.enabled).to.equal(false);
    expect(r.value!.jobs.settings.retention!.enabled).to.equal(true);
  });

  it('names the bad key', () => {
    expect(where({ destinations: { ehr: { type: 'fhir', baseUrl: 'ftp://x' } } })).to.deep.equal(['destinations.ehr.baseUrl']);
    expect(where({ destinations: { ehr: { type: 'fhir', baseUrl: 'http://ehr.example.org' } } })).to.deep.equal(['destinations.ehr.baseUrl']);
    expect(where({ destinations: { ehr: { type: 'fhir' } } })).to.deep.equal(['destinations.ehr.baseUrl']);
    expect(where({ destinations: { lab: { type: 'mllp', host: 'h', port: 70000 } } })).to.deep.equal(['destinations.lab.port']);
    expect(where({ destinations: { x: { type: 'ftp' } } })).to.deep.equal(['destinations.x.type']);
    expect(where({ destinations: { ehr: { type: 'fhir', baseUrl: 'https://e', timout: 5 } } })).to.deep.equal(['destinations.ehr.timout']);
    expect(where({ destinations: { ehr: { type: 'fhir', baseUrl: 'https://e', auth: { type: 'smart-backend', tokenUrl: 'https://e/t', clientId: 'c', alg: 'HS256', privateKeyFile: 'k' } } } }))
      .to.deep.equal(['destinations.ehr.auth.alg']);
    expect(where({ destinations: { ehr: { type: 'fhir', baseUrl: 'https://e', auth: { type: 'smart-backend', tokenUrl: 'https://e/t', clientId: 'c' } } } }))
      .to.deep.equal(['destinations.ehr.auth.privateKeyPem']);
    expect(where({ destinations: { ehr: { type: 'fhir', baseUrl: 'https://e', retry: { maxAttempts: 0 } } } })).to.deep.equal(['destinations.ehr.retry.maxAttempts']);
    expect(where({ jobs: { timezone: 'Mars/Olympus' } })).to.deep.equal(['jobs.timezone']);
    expect(where({ jobs: { retention: { schedule: 'every day' } } })).to.deep.equal(['jobs.retention.schedule']);
    expect(where({ jobs: { nightly: {} } })).to.deep.equal(['jobs.nightly']);
    expect(where({ destinations: ok.destinations, jobs: { eligibilityDestination: 'lab' } })).to.deep.equal(['jobs.eligibilityDestination']);
    expect(where({ destinations: ok.destinations, jobs: { claimDestination: 'ehr', 'claim-batch': {} } })).to.deep.equal(['jobs.claimDestination']);
    expect(where({ destinations: ok.destinations, jobs: { reminderDestination: 'lab' } })).to.deep.equal(['jobs.reminderDestination']);
    expect(where({ destinations: { lab: { type: 'mllp', host: 'h', port: 1, tlsCaFile: 'ca.pem' } } })).to.deep.equal(['destinations.lab.tls']);
    expect(where({ destinations: { lab: { type: 'mllp', host: 'h', port: 1, tls: true, tlsCertFile: 'c.pem' } } })).to.deep.equal(['destinations.lab.tlsKeyFile']);
  });

  it('resolves key and TLS files relative to the configuration file', () => {
    const r = parseDeliveryConfig({ destinations: {
      ehr: ok.destinations.ehr,
      lab: { type: 'mllp', host: 'h', port: 1, tls: true, tlsCaFile: 'certs/ca.pem', tlsCertFile: '/abs/c.pem', tlsKeyFile: 'k.pem' },
    } }, 'America/New_York', '/etc/frontdesk');
    expect(r.value!.destinations.lab).to.include({ tlsCaFile: '/etc/frontdesk/certs/ca.pem', tlsCertFile: '/abs/c.pem', tlsKeyFile: '/etc/frontdesk/k.pem' });
    expect((r.value!.destinations.ehr as { auth: { privateKeyFile: string } }).auth.privateKeyFile).to.equal('/etc/frontdesk/secrets/ehr.pem');
  });

  it('every issue is CONFIG_INVALID and says what is wrong', () => {
    const [i] = checkDeliveryConfig({ destinations: { ehr: { type: 'fhir', baseUrl: 'https://u:p@e' } } });
    expect(i!.details!.coding![0]!.code).to.equal('CONFIG_INVALID');
    expect(i!.diagnostics).to.contain('credentials');
  });
});
