/**
 * Turns for the event loop during a long processing commit. A Bundle of 10,000 entries takes
 * seconds to write, awaiting the store at every step; awaits alone run as microtasks and would
 * keep HTTP (/health) and the MLLP sockets waiting until the commit. A pause gives the event loop
 * a turn (setImmediate) once PAUSE_EVERY_MS of work has passed since the last one, and is free
 * otherwise. The transaction stays open and owns the store meanwhile: another caller's statements
 * wait for it (src/store/sqlite/store.ts), so what is written, and in which order, does not change.
 */
const PAUSE_EVERY_MS = 10;

export function eventLoopPause(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < PAUSE_EVERY_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(() => {
      last = performance.now();
      resolve();
    }));
  };
}
