/** Placeholder replaced below. */
import type { Issue } from '../domain/issues.js';
export function validateOfficeRecord(_record: unknown): Issue[] { return []; }
export function officeRecordTypes(): string[] { return []; }
