/**
 * The cross-check (tests only): every expression evaluated both by the fast closures and by
 * fhirpath.js, each disagreement recorded. Off in production: the entry point only calls these
 * when `crossCheck` is set.
 */
export interface CrossCheckMismatch {
  base: string;
  expression: string;
  fast: unknown;
  reference: unknown;
}

type Slow = () => unknown[];

export let crossCheck: CrossCheckMismatch[] | undefined;

/** Tests: evaluate every expression both ways and collect disagreements (undefined = off). */
export function setCrossCheck(on: boolean): CrossCheckMismatch[] | undefined {
  crossCheck = on ? [] : undefined;
  return crossCheck;
}

/** The presence guard answered without evaluating: fhirpath.js must give the same. */
export function checkGuard(log: CrossCheckMismatch[], base: string, expression: string, absentResult: unknown[], slow: Slow): void {
  const ref = slow();
  if (JSON.stringify(ref) !== JSON.stringify(absentResult)) log.push({ base, expression, fast: `guard: ${JSON.stringify(absentResult)}`, reference: ref });
}

/** The fast path threw a FHIRPath type error: fhirpath.js must throw too. */
export function checkThrows(log: CrossCheckMismatch[], base: string, expression: string, message: string, slow: Slow): void {
  let threw = false;
  try {
    slow();
  } catch {
    threw = true;
  }
  if (!threw) log.push({ base, expression, fast: `threw ${message}`, reference: 'did not throw' });
}

/** The fast path gave a result: fhirpath.js must give the same one. */
export function checkResult(log: CrossCheckMismatch[], base: string, expression: string, out: unknown[], slow: Slow): void {
  let ref: unknown;
  try {
    ref = slow();
  } catch (e) {
    ref = `threw ${(e as Error)?.message}`;
  }
  if (JSON.stringify(ref) !== JSON.stringify(out)) log.push({ base, expression, fast: out, reference: ref });
}
