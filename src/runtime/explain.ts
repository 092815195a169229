/**
 * A parsed view of a stored HL7v2 message for operators: each segment with its description and
 * each field with its name from the hl7v2-dictionary (for the message's MSH-12 version, or the
 * nearest one the dictionary has), components named by their data type.
 */
import type { HL7Version, dictionaries as Dictionaries } from 'hl7v2-dictionary';
import { parseHl7 } from '../hl7/message.js';

// The dictionary holds every HL7 version and takes seconds to import: loaded on first use only,
// so it does not slow the gateway's start.
let dictModule: Promise<typeof import('hl7v2-dictionary')> | undefined;
const loadDictionary = () => (dictModule ??= import('hl7v2-dictionary'));

export interface ExplainedField {
  position: string;
  name?: string | undefined;
  type?: string | undefined;
  value: string;
  components?: Array<{ position: string; name?: string | undefined; value: string }>;
}

export interface ExplainedSegment {
  segment: string;
  location: string;
  description?: string | undefined;
  fields: ExplainedField[];
}

type Dict = (typeof Dictionaries)[HL7Version];

function dictionaryFor(mod: typeof import('hl7v2-dictionary'), version: string): Dict | undefined {
  const all = mod.dictionaries as Record<string, Dict>;
  if (all[version]) return all[version];
  try {
    return all[mod.findNearestHL7Version(version as HL7Version)] ?? all['2.5.1'];
  } catch {
    return all['2.5.1'];
  }
}

export async function explainHl7(raw: string): Promise<{ version: string; segments: ExplainedSegment[] } | undefined> {
  const msg = parseHl7(raw).value;
  if (!msg) return undefined;
  const dict = dictionaryFor(await loadDictionary(), msg.version || '2.5.1');
  const segments = msg.segments.map((seg) => {
    const def = dict?.segments[seg.name] as { desc?: string; fields?: Record<string, { type?: string; desc?: string }> } | undefined;
    const fields: ExplainedField[] = [];
    for (let n = 1; n <= seg.fieldCount; n++) {
      const value = seg.raw(n);
      if (value === '') continue;
      const fdef = def?.fields?.[String(n)];
      const f: ExplainedField = { position: `${seg.name}.${n}`, name: fdef?.desc, type: fdef?.type, value };
      const tdef = fdef?.type ? (dict?.types[fdef.type] as { fields?: Record<string, { desc?: string }> } | undefined) : undefined;
      const comps = seg.name === 'MSH' && n <= 2 ? [] : seg.components(n);
      if (comps.length > 1 && tdef?.fields) {
        f.components = comps.map((v, i) => ({ position: `${seg.name}.${n}.${i + 1}`, name: tdef.fields?.[String(i + 1)]?.desc, value: v })).filter((c) => c.value !== '');
      }
      fields.push(f);
    }
    return { segment: seg.name, location: msg.location(seg), description: def?.desc, fields };
  });
  return { version: msg.version, segments };
}
