import { expect } from 'chai';
import { isIanaTimezone } from '../../src/domain/timezone.js';

describe('domain/timezone: isIanaTimezone (the configuration\'s practice.timezone and jobs.timezone)', () => {
  it('accepts canonical zones, and the aliases and spellings Intl.DateTimeFormat accepts', () => {
    for (const tz of ['America/Chicago', 'Europe/Paris', 'UTC', 'Etc/UTC', 'US/Eastern', 'america/chicago']) expect(isIanaTimezone(tz), tz).to.equal(true);
  });

  it('refuses what is not a zone', () => {
    for (const tz of ['Mars/Olympus', 'America/Chicag', '', 'CST+6 nonsense']) expect(isIanaTimezone(tz), tz).to.equal(false);
  });
});
