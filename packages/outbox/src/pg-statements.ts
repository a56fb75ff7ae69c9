/**
 * Named (prepared) statements for `pg`: the outbox runs the same few
 * statements again and again (the one-row INSERT of every publish, the
 * claim, the delete), and an unnamed statement is parsed and planned on
 * every call. A name derived from the SQL text makes each connection prepare
 * it once; `pg` keeps the prepared ones per connection.
 */

/** A `pg` query config. */
export interface PgQueryConfig {
  readonly name?: string;
  readonly text: string;
  readonly values: unknown[];
}

/** Distinct statement texts named at most (batches of many sizes would otherwise grow it without bound). */
const MAX_NAMED = 256;
const names = new Map<string, string>();

/** The query config for `sql`: named after it while fewer than {@link MAX_NAMED} texts have been, else unnamed. */
export function preparedQuery(sql: string, values: readonly unknown[]): PgQueryConfig {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `bus_outbox_${names.size + 1}`;
    names.set(sql, name);
  }
  return name === undefined ? { text: sql, values: [...values] } : { name, text: sql, values: [...values] };
}
