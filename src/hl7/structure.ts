/**
 * Message structure check (segment order, groups, cardinality) against a profile's structure,
 * e.g. ADT_A01 = MSH [SFT] EVN PID [PD1] [{ROL}] [{NK1}] PV1 ... [{INSURANCE: IN1 [IN2] ...}].
 *
 * Greedy recursive descent, the way HL7 receivers read v2 messages: each node in order, a
 * segment node consumes matching segments up to its max, a group node is entered when the next
 * segment can start it. Z-segments are allowed anywhere and skipped. When segments are left
 * over, the first one is reported (out of place, not allowed, or a non-repeating segment that
 * repeats), taken out, and the match runs again, so one stray segment gives one issue.
 */
import { issue, type Issue } from '../domain/issues.js';
import type { Hl7Message, Hl7Segment } from './message.js';
import type { StructureNode } from './dictionary.js';

interface Compiled {
  node: StructureNode;
  children: Compiled[] | undefined;
  /** Segment names that can start this node. */
  first: Set<string>;
  /** The first required segment inside (what "missing" names). */
  firstRequired: string;
}

const compiledCache = new WeakMap<StructureNode, Compiled>();

function compile(node: StructureNode): Compiled {
  const hit = compiledCache.get(node);
  if (hit) return hit;
  let c: Compiled;
  if (!node.children) {
    c = { node, children: undefined, first: new Set([node.name]), firstRequired: node.name };
  } else {
    const children = node.children.map(compile);
    const first = new Set<string>();
    for (const ch of children) {
      ch.first.forEach((n) => first.add(n));
      if (ch.node.min >= 1) break;
    }
    const req = children.find((ch) => ch.node.min >= 1) ?? children[0]!;
    c = { node, children, first, firstRequired: req.firstRequired };
  }
  compiledCache.set(node, c);
  return c;
}

/** Names of segments that appear only as max-1 nodes in the structure (a repeat is an error). */
const singleCache = new WeakMap<StructureNode, { single: Set<string>; known: Set<string> }>();
function namesOf(root: StructureNode): { single: Set<string>; known: Set<string> } {
  const hit = singleCache.get(root);
  if (hit) return hit;
  const counts = new Map<string, boolean>(); // name -> every occurrence has max 1
  const walk = (n: StructureNode, repeatingParent: boolean): void => {
    if (n.children) {
      const rep = repeatingParent || n.max === null || n.max > 1;
      n.children.forEach((c) => walk(c, rep));
      return;
    }
    const single = !repeatingParent && n.max === 1;
    counts.set(n.name, (counts.get(n.name) ?? true) && single);
  };
  root.children?.forEach((c) => walk(c, false));
  const out = { single: new Set([...counts].filter(([, s]) => s).map(([n]) => n)), known: new Set(counts.keys()) };
  singleCache.set(root, out);
  return out;
}

interface Missing { name: string; path: string }

function isZ(s: Hl7Segment): boolean {
  return s.name.charCodeAt(0) === 90; // 'Z'
}

function matchGroup(g: Compiled, segs: Hl7Segment[], pos: number, path: string, missing: Missing[]): number {
  for (const ch of g.children!) {
    const max = ch.node.max ?? Infinity;
    let count = 0;
    while (count < max) {
      while (pos < segs.length && isZ(segs[pos]!)) pos++;
      if (pos >= segs.length) break;
      const name = segs[pos]!.name;
      if (!ch.first.has(name)) break;
      if (!ch.children) {
        pos++;
      } else {
        const next = matchGroup(ch, segs, pos, path ? `${path}.${ch.node.name}` : ch.node.name, missing);
        if (next === pos) break;
        pos = next;
      }
      count++;
    }
    if (count < ch.node.min) {
      missing.push({ name: ch.firstRequired, path: ch.children ? `${path ? path + '.' : ''}${ch.node.name}` : path });
    }
  }
  return pos;
}

/**
 * Segment-name sequences that matched a structure without an issue, per structure (up to
 * CLEAN_SEQUENCES each; emptied when full). The check reads nothing of a segment but its name
 * (locations are counted by name too), so the same sequence matches the same way: a sender's
 * messages of one type come in a few shapes (an ORU of a 25-result panel has the same 35 segments
 * every time), and their match is then one string lookup instead of a descent per group.
 */
const cleanSequences = new WeakMap<StructureNode, Set<string>>();
const CLEAN_SEQUENCES = 256;

/** Check the segments of a message against a structure. */
export function checkStructure(msg: Hl7Message, root: StructureNode): Issue[] {
  // Segment names cannot hold a segment terminator, so '\r' keeps the sequence's names apart.
  let names = '';
  for (const s of msg.segments) names += s.name + '\r';
  let clean = cleanSequences.get(root);
  if (clean?.has(names)) return [];
  const issues = matchStructure(msg, root);
  if (issues.length === 0) {
    if (clean === undefined || clean.size >= CLEAN_SEQUENCES) {
      clean = new Set();
      cleanSequences.set(root, clean);
    }
    clean.add(names);
  }
  return issues;
}

function matchStructure(msg: Hl7Message, root: StructureNode): Issue[] {
  const c = compile(root);
  const issues: Issue[] = [];
  let segs = msg.segments;
  const seen = new Set<string>();
  for (let round = 0; round <= msg.segments.length; round++) {
    const missing: Missing[] = [];
    const end = matchGroup(c, segs, 0, '', missing);
    let pos = end;
    while (pos < segs.length && isZ(segs[pos]!)) pos++;
    if (pos >= segs.length) {
      for (const m of missing) {
        const where = m.path ? ` (group ${m.path})` : '';
        issues.push(issue('HL7_SEGMENT_MISSING', `${root.name}: required segment ${m.name}${where} is missing.`, m.name));
      }
      return issues;
    }
    const stray = segs[pos]!;
    const { single, known } = namesOf(root);
    for (let i = 0; i < pos; i++) seen.add(segs[i]!.name);
    const where = msg.location(stray);
    if (single.has(stray.name) && seen.has(stray.name)) {
      issues.push(issue('HL7_SEGMENT_REPEAT', `${root.name}: ${stray.name} may occur only once here; ${where} repeats it.`, where));
    } else if (known.has(stray.name)) {
      issues.push(issue('HL7_SEGMENT_UNEXPECTED', `${root.name}: ${where} is out of place (segment order or group).`, where));
    } else {
      issues.push(issue('HL7_SEGMENT_UNEXPECTED', `${root.name}: segment ${stray.name} is not part of this message structure (${where}).`, where));
    }
    segs = segs.filter((s) => s !== stray);
  }
  return issues;
}
