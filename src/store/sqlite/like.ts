/**
 * LIKE patterns from caller text: '%', '_' and the escape character itself are escaped, so an
 * operator's `type=%` matches a literal '%' and never every row. Use with `ESCAPE '\'` (portable
 * SQL: SQLite and PostgreSQL both take it).
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A pattern matching values that start with `prefix`. */
export function likePrefix(prefix: string): string {
  return `${escapeLike(prefix)}%`;
}

/** A pattern matching values that contain `text`. */
export function likeContains(text: string): string {
  return `%${escapeLike(text)}%`;
}
