/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core against a running
 * gateway with seeded messages. Log in, see the counts (and see them change without a reload),
 * filter, open a message with an error and see the highlighted field, reveal PHI and find the
 * audit record, replay and see the state change, a bad login rejected, no page without a session,
 * bad filter input answered on the page, a `<script>` in PID-5 shown as text. Each page's
 * screenshot is saved (under docs/console/, which the README shows, with FRONTDESK_CONSOLE_SHOTS=1).
 * Every page is audited with axe-core (../support/axe.ts: WCAG 2 A/AA with color-contrast, and
 * axe's best practices; any violation fails), and the login form and the message browser's
 * filters are used with the keyboard alone.
 * Without Chromium these tests are skipped with one line; CI (.ci/run) installs it, and with
 * CI=true a missing Chromium fails instead.
 */
import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { issue } from '../../src/domain/issues.js';
import type { Gateway } from '../../src/gateway.js';
import { explainHl7 } from '../../src/runtime/explain.js';
import { API_KEY, adt, registerTestFlow, startTest, tempDir } from '../support/gateway.js';
import { CHROMIUM_CANDIDATES, findChromium } from '../support/chromium.js';
import { axeViolations } from '../support/axe.js';

// The screenshots in docs/console/ are refreshed only on request (FRONTDESK_CONSOLE_SHOTS=1):
// a plain test run must not change tracked files; otherwise they go to a temporary folder.
const SHOTS = process.env.FRONTDESK_CONSOLE_SHOTS === '1'
  ? resolve(fileURLToPath(new URL('.', import.meta.url)), '../../docs/console')
  : join(tmpdir(), `frontdesk-console-shots-${process.pid}`);
const chromiumPath = findChromium();

if (!chromiumPath && !process.env.CI) {
  describe('console: in a real browser', () => {
    it.skip(`skipped: no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')} (apt-get install chromium; CI installs it)`);
  });
} else {
  describe('console: in a real browser (Chromium + playwright-core)', function () {
    this.timeout(60_000);
    let tmp: ReturnType<typeof tempDir>;
    let gw: Gateway;
    let base: string;
    let remove: () => void;
    let browser: Browser;
    let page: Page;
    let strict = true;
    /** A mapping change the test can switch on: the Patient gets a gender and the office record sex F (so a dry run has values to show). */
    let mappingChange = false;
    const dialogs: string[] = [];
    const cspErrors: string[] = [];

    const postHl7 = (text: string) =>
      fetch(`${base}/hl7v2`, { method: 'POST', body: text, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'x-application/hl7-v2+er7' } });
    const withBirthDate = (text: string, dob: string) => text.replace('||19800101|F', `||${dob}|F`);
    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
    /** The page as it is now passes axe-core's audit (the violations, one line each, in the failure). */
    const accessible = async (name: string) => expect(await axeViolations(page), `axe-core on the ${name} page`).to.deep.equal([]);
    /** What has the keyboard focus: its label (form fields) or text (links, buttons). */
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '(body)';
      const labels = (el as HTMLInputElement).labels;
      return (labels && labels[0] ? labels[0].textContent : el.textContent ?? '')!.trim();
    });

    before(async function () {
      if (!chromiumPath) throw new Error(`CI=true and no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')}: .ci/run must install it`);
      mkdirSync(SHOTS, { recursive: true });
      tmp = tempDir();
      const reg = registerTestFlow();
      remove = reg.remove;
      // The test flow, plus a birth-date check that the test can turn off (so a replay changes the outcome).
      const run = reg.flow.run.bind(reg.flow);
      reg.flow.run = (msg, flowCtx) => {
        const pid = msg.segment('PID');
        const dob = pid?.get(7) ?? '';
        if (strict && pid && !/^\d{8}$/.test(dob)) return { value: undefined, issues: [issue('MAP_INVALID_DATE', `PID-7 "${dob}" is not a date (YYYYMMDD).`, msg.location(pid, 7))] };
        const r = run(msg, flowCtx);
        if (mappingChange && r.value) {
          const v = r.value as unknown as { bundle: { entry: Array<{ resource: Record<string, unknown> }> }; office: Array<Record<string, unknown>> };
          v.bundle.entry[0]!.resource.gender = 'female';
          v.office[0]!.sex = 'F';
        }
        return r;
      };
      gw = await startTest(join(tmp.dir, 'fd.db'), {
        channels: [{ name: 'front-desk', source: { http: { path: '/hl7v2' } }, flow: 'test-flow', destinations: [] }],
      }, { withDelivery: { pollMs: 60_000 } });
      base = gw.http.url;
      await postHl7(adt('MSG-OK-1', { mrn: 'MRN100', family: 'Johnson' }));
      await postHl7(adt('MSG-OK-2', { mrn: 'MRN200', family: 'Okafor' }));
      await postHl7(withBirthDate(adt('MSG-BAD-DOB', { mrn: 'MRN300', family: 'Whitfield' }), '1980-13-45'));
      await postHl7(adt('MSG-XSS', { mrn: 'MRN400', family: '<script>alert(1)</script>' }));
      // The HL7 dictionary loads on first use and takes seconds: load it now, not during a page's first view.
      await explainHl7(adt('WARM'));
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
      page.setDefaultTimeout(10_000);
      page.setDefaultNavigationTimeout(30_000);
      // Confirmations of bulk actions are accepted; any other dialog (an alert from injected script) is a failure.
      page.on('dialog', (d) => { if (d.type() === 'confirm') void d.accept(); else { dialogs.push(d.message()); void d.dismiss(); } });
      page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    });

    after(async () => {
      await browser?.close();
      await gw?.close();
      remove?.();
      tmp?.cleanup();
    });

    it('serves no page without a session: the dashboard sends the browser to the login form', async () => {
      await page.goto(`${base}/console/messages?state=error`);
      expect(new URL(page.url()).pathname).to.equal('/console/login');
      expect(await page.getByLabel('Operator key').isVisible()).to.equal(true);
      await shot('login');
      await accessible('login');
    });

    it('rejects a bad key on the page', async () => {
      await page.getByLabel('Operator key').fill('not-the-key');
      await page.getByRole('button', { name: 'Log in' }).click();
      expect(await page.getByRole('alert').textContent()).to.contain('not an operator key');
      expect(new URL(page.url()).pathname).to.equal('/console/login');
      await accessible('login (refused)');
    });

    it('logs in with the keyboard alone: skip link, key, button, in that order', async () => {
      await page.goto(`${base}/console/login`);
      expect(await focused()).to.equal('Operator key'); // autofocus
      await page.keyboard.press('Shift+Tab');
      expect(await focused()).to.equal('Skip to content');
      await page.keyboard.press('Tab');
      expect(await focused()).to.equal('Operator key');
      await page.keyboard.type(API_KEY);
      await page.keyboard.press('Tab');
      expect(await focused()).to.equal('Log in');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/console/`);
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${base}/console/login`);
    });

    it('logs in and shows the counts per channel, then new counts without a reload', async () => {
      await page.goto(`${base}/console/login`);
      await page.getByLabel('Operator key').fill(API_KEY);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${base}/console/`);
      const row = page.locator('tr[data-channel="front-desk"]');
      expect(await row.locator('td[data-state="processed"] .total').textContent()).to.equal('3');
      expect(await row.locator('td[data-state="error"] .total').textContent()).to.equal('1');
      await shot('dashboard');
      await accessible('dashboard');
      // A new message arrives while the page is open: the panel refreshes itself.
      const marker = await page.locator('[data-updated]').textContent();
      await postHl7(adt('MSG-OK-3', { mrn: 'MRN500', family: 'Lindqvist' }));
      await page.waitForFunction(() => document.querySelector('tr[data-channel="front-desk"] td[data-state="processed"] .total')?.textContent === '4', undefined, { timeout: 15_000 });
      expect(await page.locator('[data-updated]').textContent()).not.to.equal(marker);
    });

    it('filters by state, with the filter in the URL', async () => {
      await page.getByRole('link', { name: 'Messages', exact: true }).click();
      await page.getByLabel('State').selectOption('processed');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/state=processed/);
      const rows = page.locator('table.messages tbody tr');
      expect(await rows.count()).to.equal(4);
      expect(await rows.first().locator('td').nth(4).textContent()).to.equal('MSG-OK-3'); // newest first
      // The URL alone gives the same view (shareable), sorted oldest first on request.
      await page.goto(`${base}/console/messages?state=processed&sort=received&dir=asc`);
      expect(await page.locator('table.messages tbody tr').first().locator('td').nth(4).textContent()).to.equal('MSG-OK-1');
      await page.goto(`${base}/console/messages?state=error`);
      expect(await page.locator('table.messages tbody tr').count()).to.equal(1);
      // Patient name by prefix, on the indexed column; masked in the list.
      await page.goto(`${base}/console/messages?name=whit`);
      expect(await page.locator('table.messages tbody tr').count()).to.equal(1);
      expect(await page.locator('table.messages tbody tr td.masked').textContent()).to.contain('W********');
      await page.goto(`${base}/console/messages?errorCode=MAP_INVALID_DATE`);
      expect(await page.locator('table.messages tbody tr').count()).to.equal(1);
      await page.goto(`${base}/console/messages`);
      await shot('messages');
      await accessible('message browser');
    });

    it('filters with the keyboard alone: skip to content, tab through every filter in order, submit', async () => {
      await page.goto(`${base}/console/messages`);
      await page.keyboard.press('Tab');
      expect(await focused()).to.equal('Skip to content');
      await page.keyboard.press('Enter'); // to <main>: the next Tab is the first filter
      const order: string[] = [];
      for (let i = 0; i < 11; i++) {
        await page.keyboard.press('Tab');
        order.push(await focused());
      }
      expect(order).to.deep.equal(['Channel', 'State', 'Message type', 'MSH-10 control id', 'Patient MRN', 'Patient name', 'Received from', 'Received to', 'Error code', 'Filter', 'Clear']);
      // Back to State (shift-tab), choose "error" by typing, type an MRN, submit with Enter.
      for (let i = 0; i < 9; i++) await page.keyboard.press('Shift+Tab');
      expect(await focused()).to.equal('State');
      await page.keyboard.type('error');
      await page.keyboard.press('Tab'); // Message type
      await page.keyboard.press('Tab'); // MSH-10
      await page.keyboard.press('Tab'); // Patient MRN
      await page.keyboard.type('MRN300');
      await page.keyboard.press('Enter');
      await page.waitForURL(/state=error/);
      expect(new URL(page.url()).searchParams.get('mrn')).to.equal('MRN300');
      expect(await page.locator('table.messages tbody tr').count()).to.equal(1);
    });

    it('answers a malformed date and an unknown MSH-10 with a message on the page', async () => {
      await page.goto(`${base}/console/messages?since=2024-13-45`);
      expect(await page.getByRole('alert').textContent()).to.contain('"2024-13-45" is not a date');
      await page.goto(`${base}/console/messages?controlId=NO-SUCH-ID`);
      expect(await page.locator('.notice').textContent()).to.contain('No message with MSH-10 "NO-SUCH-ID"');
      await accessible('message browser (nothing found)');
      await page.goto(`${base}/console/messages?since=2024-13-45`);
      await accessible('message browser (bad filter)');
    });

    it('opens a message with an error: the field the issue names is highlighted with its text, PHI masked', async () => {
      await page.goto(`${base}/console/messages?controlId=MSG-BAD-DOB`);
      await page.locator('table.messages tbody tr a').first().click();
      const field = page.locator('tr[data-location="PID.7"]');
      expect(await field.getAttribute('data-flagged')).to.equal('true');
      // The issue's text quotes the value: masked as well until revealed.
      expect(await field.locator('.issue-text', { hasText: 'MAP_INVALID_DATE' }).textContent()).to.contain('"1***-1*-4*" is not a date');
      expect(await field.locator('td').nth(1).textContent()).to.contain('PID-7 Date/Time of Birth');
      expect(await page.locator('tr[data-location="PID.5"] code').first().textContent()).to.equal('W********^J**');
      expect(await page.locator('pre[data-raw]').textContent()).not.to.contain('Whitfield');
      await field.scrollIntoViewIfNeeded(); // the screenshot shows the highlighted field (the README's picture)
      await shot('message');
      await accessible('message view');
    });

    it('reveals PHI on request and records it in the audit trail with the operator', async () => {
      await page.getByRole('button', { name: 'Reveal PHI' }).click();
      expect(await page.locator('tr[data-location="PID.5"] code').first().textContent()).to.equal('Whitfield^Jan');
      expect(await page.locator('tr[data-location="PID.7"] .issue-text', { hasText: 'MAP_INVALID_DATE' }).textContent()).to.contain('"1980-13-45" is not a date');
      const id = /\/console\/messages\/(\d+)/.exec(page.url())![1];
      const rows = await gw.store.audit.list({ action: 'reveal', entity: `message/${id}` });
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ actor: 'admin', actorKind: 'session', outcome: 'success', method: 'POST', path: `/console/messages/${id}/reveal` });
      expect(rows[0]!.clientAddress).to.match(/127\.0\.0\.1/);
      await accessible('message view (revealed)');
    });

    it('replays the message and shows its new state (the check it failed is off now)', async () => {
      strict = false;
      const id = /\/console\/messages\/(\d+)/.exec(page.url())![1];
      await page.goto(`${base}/console/messages/${id}`);
      expect(await page.locator('[data-state]').first().textContent()).to.equal('error');
      await page.getByRole('button', { name: 'Replay', exact: true }).click();
      await page.waitForURL(/replayed=processed/);
      expect(await page.locator('[data-state]').first().textContent()).to.equal('processed');
      expect(await page.locator('.notice.ok').textContent()).to.contain('now processed');
      expect(await gw.store.audit.list({ action: 'message-replay', actor: 'admin' })).to.have.length(1);
      strict = true;
    });

    it('shows a <script> in PID-5 as text and runs no inline script (CSP)', async () => {
      await page.goto(`${base}/console/messages?controlId=MSG-XSS`);
      await page.locator('table.messages tbody tr a').first().click();
      await page.getByRole('button', { name: 'Reveal PHI' }).click();
      expect(await page.locator('pre[data-raw]').textContent()).to.contain('<script>alert(1)</script>');
      expect(await page.locator('script').count()).to.equal(1); // console.js only
      expect(dialogs).to.deep.equal([]);
      expect(cspErrors).to.deep.equal([]);
    });

    it('replays every message matching a filter: the count first, then progress to the end', async () => {
      strict = false;
      await postHl7(withBirthDate(adt('MSG-BAD-2', { mrn: 'MRN600', family: 'Achebe' }), 'unknown'));
      strict = true;
      await postHl7(withBirthDate(adt('MSG-BAD-3', { mrn: 'MRN700', family: 'Nakamura' }), 'unknown'));
      await page.goto(`${base}/console/messages?state=error`);
      await page.getByRole('link', { name: 'Replay the messages matching this filter…' }).click();
      expect(await page.locator('[data-count]').getAttribute('data-count')).to.equal('1');
      await shot('replay');
      await accessible('bulk replay confirmation');
      strict = false;
      // The dry run first: the message had no output (an error); now each value it would get, PHI masked.
      await page.getByRole('button', { name: 'Dry run first (diff of outputs)' }).click();
      await page.waitForURL(/\/console\/replay\/dry-run/);
      const row = page.locator('table.dry-run tbody tr');
      expect(await row.count()).to.equal(1);
      expect(await row.locator('td').nth(1).textContent()).to.contain('error');
      expect(await row.locator('td').nth(2).textContent()).to.contain('processed');
      expect(await row.locator('li[data-path="bundle.entry[0].resource.name[0].family"]').textContent()).to.equal('bundle.entry[0].resource.name[0].family: (absent) → "N*******"');
      expect(await row.locator('li[data-path="office[0].sex"]').textContent()).to.equal('office[0].sex: (absent) → "U"');
      await accessible('bulk replay dry run');
      await page.goBack();
      await page.getByRole('button', { name: 'Replay 1 message' }).click();
      await page.waitForURL(/\/console\/replay\/tasks\//);
      await page.locator('[data-done]').waitFor({ timeout: 15_000 });
      expect(await page.locator('#progress').textContent()).to.contain('1 of 1 replayed');
      expect(await page.locator('#progress').textContent()).to.contain('processed: 1');
      await accessible('bulk replay progress');
      strict = true;
      const rows = await gw.store.audit.list({ action: 'message-replay', actor: 'admin' });
      expect(rows.some((r) => r.query === 'state=error' && r.detail === '1 messages')).to.equal(true);
    });

    it('dry-runs a replay after a mapping change: per message, each output value stored -> now', async () => {
      mappingChange = true;
      strict = false; // only the mapping change differs (the birth-date check would fail a replayed bad date again)
      try {
        await page.goto(`${base}/console/replay?state=processed&type=ADT`);
        const n = Number(await page.locator('[data-count]').getAttribute('data-count'));
        expect(n).to.be.greaterThan(3);
        await page.getByRole('button', { name: 'Dry run first (diff of outputs)' }).click();
        await page.waitForURL(/\/console\/replay\/dry-run/);
        expect(await page.locator('main > p').first().textContent()).to.contain(`${n} would change`);
        const rows = page.locator('table.dry-run tbody tr');
        expect(await rows.count()).to.equal(n);
        for (let i = 0; i < n; i++) {
          const lines = await rows.nth(i).locator('ul.diff li').allTextContents();
          expect(lines, `message row ${i}`).to.deep.equal(['bundle.entry[0].resource.gender: (absent) → "female"', 'office[0].sex: "U" → "F"']);
        }
        await shot('dry-run');
        await accessible('bulk replay dry run (values)');
        // Nothing was written: the stored outputs are as before.
        const id = Number(await rows.first().getAttribute('data-message'));
        expect(((await gw.store.messages.get(id))!.outputs as { office: Array<{ sex: string }> }).office[0]!.sex).to.equal('U');
        expect(await gw.store.audit.list({ action: 'message-replay-dry-run', actor: 'admin' })).to.have.length.greaterThan(0);
      } finally {
        mappingChange = false;
        strict = true;
      }
    });

    it('replays a dead letter and runs a job now, both audited', async () => {
      const id = await gw.store.outbox.enqueue({ destination: 'ehr', kind: 'fhir-transaction', payload: '{"resourceType":"Bundle"}', contentType: 'application/fhir+json', idempotencyKey: 'console-dead-1' });
      await gw.store.outbox.claimDue({ limit: 10 });
      await gw.store.outbox.markDead(id, { errorCode: 'DELIVERY_REJECTED', error: 'partner said 422', partnerStatus: '422' });
      await page.goto(`${base}/console/deliveries?state=dead`);
      await shot('deliveries');
      await accessible('deliveries (dead letters)');
      await page.locator(`tr[data-delivery="${id}"]`).getByRole('button', { name: 'Replay' }).click();
      expect(await page.locator('.notice.ok').textContent()).to.contain('1 dead delivery put back');
      expect(await gw.store.audit.list({ action: 'deadletter-replay', entity: `outbox/${id}` })).to.have.length(1);
      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      await page.getByRole('button', { name: 'Run retention now' }).click();
      expect(await page.locator('.notice').textContent()).to.contain('retention ran: ok');
      await accessible('jobs');
      expect(await gw.store.audit.list({ action: 'job-run', entity: 'job/retention' })).to.have.length(1);
    });

    it('checks a pasted message in the validation playground', async () => {
      await page.getByRole('link', { name: 'Validation playground' }).click();
      await page.getByLabel(/^HL7v2 message, FHIR JSON/).fill(withBirthDate(adt('PLAY-1', { mrn: 'MRN900', family: 'Testpatient' }), '1980-13-45'));
      await page.getByRole('button', { name: 'Check and convert' }).click();
      expect(await page.locator('table.issues td[data-location]').allTextContents()).to.include('PID.7');
      await shot('playground');
      await accessible('validation playground');
    });

    it('passes the accessibility audit on the remaining pages: one message\'s dry run, a page not found, a refused filter', async () => {
      await page.goto(`${base}/console/messages?controlId=MSG-OK-1`);
      await page.locator('table.messages tbody tr a').first().click();
      await page.getByRole('button', { name: 'Dry run (diff of outputs)' }).click();
      expect(await page.locator('h1').textContent()).to.match(/^Dry run of message #\d+$/);
      await accessible('dry run of one message');
      await page.goto(`${base}/console/no-such-page`);
      expect(await page.getByRole('alert').textContent()).to.contain('No console page');
      await accessible('not found');
      await page.goto(`${base}/console/deliveries?state=bogus`);
      expect(await page.getByRole('alert').textContent()).to.contain('State: one of');
      await accessible('deliveries (refused filter)');
    });

    it('logs out: the console is closed again', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(`${base}/console/login`);
      await page.goto(`${base}/console/`);
      expect(new URL(page.url()).pathname).to.equal('/console/login');
    });
  });
}
