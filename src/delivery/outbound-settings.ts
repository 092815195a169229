/** The `hl7` settings of the configuration's MLLP destinations, by name (what generated HL7v2 is built with). */
import type { DeliveryConfig, OutboundHl7Settings } from './config.js';

/** `delivery` is the configuration's typed `destinations` section (src/config.ts checked it at start). */
export function outboundHl7Settings(cfg: { delivery: Pick<DeliveryConfig, 'destinations'> }): (destination: string) => OutboundHl7Settings | undefined {
  const destinations = cfg.delivery.destinations;
  return (name) => {
    const d = Object.hasOwn(destinations, name) ? destinations[name] : undefined;
    return d?.type === 'mllp' ? d.hl7 : undefined;
  };
}
