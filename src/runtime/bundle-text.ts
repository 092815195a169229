/**
 * A Bundle's JSON text from its resources' texts. Persisting serializes every resource of a
 * flow's Bundle to store it (upsert's JSON.stringify, compared with the stored text); the outcome's
 * outputs then held the whole Bundle serialized again (~5.4 KB for an ADT^A04: about a tenth of
 * original mode's CPU per message, #17). Here the Bundle is serialized without its resources and
 * each resource's text goes where JSON.stringify would have put it: the same text, byte for byte.
 */
import type { Bundle } from 'fhir/r4.js';

/**
 * Stands for a resource in the Bundle serialized without them. Its text (JSON.stringify of it) is
 * looked for in that serialization: a field of the Bundle or of an entry holding the same text
 * would be found too, and the count below tells (then the Bundle is serialized as it is).
 */
const MARK = '\u0000frontdesk:resource-text\u0000';
const MARK_TEXT = JSON.stringify(MARK);
const withMark = (e: object): object => ({ ...e, resource: MARK });

/**
 * JSON.stringify(bundle), given `texts[i]` = JSON.stringify(bundle.entry[i].resource) for every
 * entry (undefined when one is missing: then the Bundle is serialized as it is). The caller vouches
 * that each text is of the entry's resource as it is now (the same object, not changed since).
 */
export function bundleTextOf(bundle: Bundle, texts: ReadonlyArray<string | undefined>): string {
  const entries = bundle.entry;
  if (!entries?.length || entries.length !== texts.length || texts.includes(undefined)) return JSON.stringify(bundle);
  // Spread copies keep each key where it was (an existing key is overwritten in place): the
  // skeleton's text is the Bundle's with each resource's text replaced by MARK_TEXT.
  const skeleton = JSON.stringify({ ...bundle, entry: entries.map(withMark) });
  const parts = skeleton.split(MARK_TEXT);
  if (parts.length !== texts.length + 1) return JSON.stringify(bundle);
  let out = parts[0]!;
  for (let i = 0; i < texts.length; i++) out += texts[i]! + parts[i + 1]!;
  return out;
}
