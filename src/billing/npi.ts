/**
 * NPI check digit. An NPI is 10 digits whose last digit is a Luhn (mod 10) check digit computed
 * over the card-issuer prefix 80840 followed by the first 9 digits (CMS, "Requirements for
 * NPI check digit", ISO 7812). Clearinghouses reject a claim whose NPI fails this check.
 */

/** Luhn check digit for a string of digits (the digit to append). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // Double every second digit counting from the right of the payload (the check digit's left neighbour first).
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export const NPI_PREFIX = '80840';

/** The 10-digit NPI for 9 base digits (used to make synthetic, valid NPIs for examples and tests). */
export function npiFromBase(base9: string): string {
  if (!/^\d{9}$/.test(base9)) throw new Error('NPI base must be 9 digits');
  return base9 + String(luhnCheckDigit(NPI_PREFIX + base9));
}

export type NpiProblem = 'format' | 'check-digit';

/** Why an NPI is invalid, or undefined when it is valid. */
export function npiProblem(npi: string): NpiProblem | undefined {
  if (!/^\d{10}$/.test(npi)) return 'format';
  return luhnCheckDigit(NPI_PREFIX + npi.slice(0, 9)) === Number(npi[9]) ? undefined : 'check-digit';
}

export const isValidNpi = (npi: string): boolean => npiProblem(npi) === undefined;
