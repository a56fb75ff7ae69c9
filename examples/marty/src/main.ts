// A Marty user service moved onto bus by changing imports: `createUser` writes
// the user row and publishes `user.registered` in one SQLite transaction
// (the outbox relays it after COMMIT), and its decorators publish the audit
// and domain events. A notifications service in the same program reads all
// three from Kafka with its own consumer group, then both stop.
//
//   node src/main.ts            (BUS_KAFKA_BROKERS, or `node scripts/services.mjs up` at the repo root)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  AuditEventType,
  auditEvent,
  BaseEvent,
  cleanupDecoratorsEventBus,
  domainEvent,
  EnhancedEventBus,
  EventHandler,
  KafkaConfig,
  OutboxConfig,
  setDecoratorsEventBus,
} from '@bus/facade-marty';
import { readServicesEnv } from '@bus/scripts/services-env';

const { kafkaBrokers } = readServicesEnv();
if (!kafkaBrokers) throw new Error('No Kafka broker: run `node scripts/services.mjs up` at the repo root, or set BUS_KAFKA_BROKERS.');
const ns = process.env.EXAMPLE_NAMESPACE ? `${process.env.EXAMPLE_NAMESPACE}.` : '';
const users = Number(process.env.EXAMPLE_USERS ?? 3);
const file = path.join(process.env.EXAMPLE_DATA_DIR || mkdtempSync(path.join(tmpdir(), 'bus-example-marty-')), 'users.db');
const bootstrapServers = kafkaBrokers.split(',');

// The user service: its database, and a bus with the outbox on the same file.
const db = new DatabaseSync(file, { timeout: 5_000 });
db.exec('PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL)');
const service = new EnhancedEventBus(new KafkaConfig({ bootstrapServers }), {
  outboxConfig: new OutboxConfig(`sqlite:${file}`, { pollInterval: 200 }),
});
await service.start();
setDecoratorsEventBus(service);

// Python: @audit_event(AuditEventType.DATA_CREATED, "create", "user", resource_id_field="user_id")
//         @domain_event("user", "created", aggregate_id_field="user_id")
const createUser = auditEvent(AuditEventType.DATA_CREATED, `${ns}create`, 'user', { resourceIdField: 'userId' })(
  domainEvent(`${ns}user`, 'created', { aggregateIdField: 'userId' })(async function createUser(kwargs: { userId: string; email: string }) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare('INSERT INTO users (id, email) VALUES (?, ?)').run(kwargs.userId, kwargs.email);
      const registered = new BaseEvent({ eventType: `${ns}user.registered`, data: { user_id: kwargs.userId, email: kwargs.email } });
      await service.publishTransactional(registered, db);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    return kwargs.userId;
  }),
);

// The notifications service: one handler for the three types, in its own group.
class Notifications extends EventHandler {
  readonly seen: BaseEvent[] = [];
  async handle(event: BaseEvent): Promise<void> {
    this.seen.push(event);
    console.log(`notifications: ${event.eventType} ${JSON.stringify(event.data)}`);
  }
  canHandle(): boolean {
    return true;
  }
  get eventTypes(): string[] {
    return [`${ns}user.registered`, `domain.${ns}user.created`, 'audit.data.created'];
  }
}
const notifications = new Notifications();
const consumer = new EnhancedEventBus(
  new KafkaConfig({ bootstrapServers, consumerGroupId: `${ns}notifications`, autoOffsetReset: 'earliest' }),
);
await consumer.subscribe(notifications);
await consumer.start();

for (let n = 1; n <= users; n++) {
  const id = await createUser({ userId: `u-${n}`, email: `user${n}@example.com` });
  console.log(`users: created ${id}`);
}

// audit.data.created is one topic for every service: this run's are those with its action.
const mine = (event: BaseEvent) => event.eventType !== 'audit.data.created' || event.data.action === `${ns}create`;
const deadline = Date.now() + 60_000;
while (notifications.seen.filter(mine).length < users * 3) {
  if (Date.now() > deadline)
    throw new Error(`notifications saw ${notifications.seen.filter(mine).length} of ${users * 3} events within 60 s`);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const count = (type: string) => notifications.seen.filter((event) => mine(event) && event.eventType === type).length;
const health = await service.healthCheck();
console.log(
  `done: ${users} users; ${count(`${ns}user.registered`)} user.registered through the outbox, ` +
    `${count(`domain.${ns}user.created`)} domain.user.created and ${count('audit.data.created')} audit.data.created from the decorators; ` +
    `health ${health.status}, outbox ${health.outboxEnabled ? 'on' : 'off'}`,
);
await cleanupDecoratorsEventBus();
await consumer.stop();
db.close();
