/** Whether a text is an X12 interchange (starts with ISA): cheap, so the CLI loads src/x12/ only for X12. */
export const looksLikeX12 = (text: string): boolean => /^\uFEFF?\s*ISA/.test(text);
