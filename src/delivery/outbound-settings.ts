/** The `hl7` settings of the configuration's MLLP destinations, by name (what generated HL7v2 is built with). */
import { parseDeliveryConfig, type OutboundHl7Settings } from './config.js';

export function outboundHl7Settings(cfg: { destinations?: unknown; practice: { timezone: string } }): (destination: string) => OutboundHl7Settings | undefined {
  // The gateway checked the whole configuration at start; an unparsable section here means no MLLP destinations.
  const parsed = parseDeliveryConfig({ destinations: cfg.destinations }, cfg.practice.timezone).value;
  return (name) => {
    const d = parsed && Object.hasOwn(parsed.destinations, name) ? parsed.destinations[name] : undefined;
    return d?.type === 'mllp' ? d.hl7 : undefined;
  };
}
