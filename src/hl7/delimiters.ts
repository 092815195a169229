/** Delimiters declared by MSH-1 (field separator) and MSH-2 (encoding characters). */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** v2.7+ truncation character, the optional fifth encoding character ('' when absent). */
  truncation: string;
}

export const DEFAULT_DELIMITERS: Delimiters = {
  field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '',
};

export function encodingCharacters(d: Delimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent + d.truncation;
}
