/**
 * Where an outbox is, named by one URL — `postgres://…`/`postgresql://…`, or
 * `sqlite:<path>` (also SQLAlchemy's `sqlite:///relative` and
 * `sqlite:////absolute`) — for configuration files, command lines and legacy
 * APIs that name a database by URL.
 */

/** The database a URL names. */
export type OutboxLocation =
  | { readonly kind: 'postgres'; readonly connectionString: string }
  | { readonly kind: 'sqlite'; readonly path: string };

/**
 * The database `url` names, or `undefined` for a URL of another kind (the caller words the error: it may have to
 * redact a password first).
 *
 * @example
 * ```ts
 * outboxLocation('sqlite:///orders.db'); // { kind: 'sqlite', path: 'orders.db' }
 * outboxLocation('postgresql://app@db/orders'); // { kind: 'postgres', connectionString: 'postgresql://app@db/orders' }
 * ```
 */
export function outboxLocation(url: string): OutboxLocation | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', connectionString: url };
  if (!/^sqlite:/i.test(url)) return undefined;
  const rest = url.slice('sqlite:'.length);
  // SQLAlchemy's form is `sqlite://` + an empty host + `/` + the path: `sqlite:///rel`, `sqlite:////abs`.
  const path = rest.startsWith('///') ? rest.slice(3) : rest;
  return path.length === 0 ? undefined : { kind: 'sqlite', path };
}
