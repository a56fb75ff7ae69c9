// outboxLocation: the database an outbox URL names.
import { describe, expect, it } from 'vitest';
import { outboxLocation } from '../src/index.js';

describe('outboxLocation', () => {
  it('reads Postgres URLs and the SQLite forms (plain, SQLAlchemy relative and absolute)', () => {
    expect(outboxLocation('postgres://u@h/db')).toEqual({ kind: 'postgres', connectionString: 'postgres://u@h/db' });
    expect(outboxLocation('postgresql://u@h/db')).toEqual({ kind: 'postgres', connectionString: 'postgresql://u@h/db' });
    expect(outboxLocation('sqlite:./orders.db')).toEqual({ kind: 'sqlite', path: './orders.db' });
    expect(outboxLocation('sqlite:/var/app/orders.db')).toEqual({ kind: 'sqlite', path: '/var/app/orders.db' });
    expect(outboxLocation('sqlite:///orders.db')).toEqual({ kind: 'sqlite', path: 'orders.db' });
    expect(outboxLocation('sqlite:////var/app/orders.db')).toEqual({ kind: 'sqlite', path: '/var/app/orders.db' });
  });

  it('names nothing for other URLs or an empty SQLite path', () => {
    expect(outboxLocation('mysql://root@db/app')).toBeUndefined();
    expect(outboxLocation('sqlite:')).toBeUndefined();
    expect(outboxLocation('sqlite:///')).toBeUndefined();
    expect(outboxLocation('')).toBeUndefined();
  });
});
