// The event-sourcing demo: a bank account on SQLite. Commands load the account
// (latest snapshot + later events), decide, and publish with the version they
// read as expectedVersion; the store() plugin appends before sending, so a
// stale decision is refused and nothing is sent. Then a replay builds a
// projection from scratch, and a catch-up subscription keeps one live.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, BusError, createBus } from '@bus/core';
import { type EventStoreExtension, isReplay, sqliteBackend, store } from '@bus/persistence';
import {
  type Account,
  AccountRuleError,
  applyEvent,
  type Command,
  closedAccount,
  decide,
  type Moved,
  type Opened,
} from './bank-account.ts';

const SNAPSHOT_EVERY = 3;

/** Loads the account, decides, and publishes the event at the version it read. */
async function handle(
  bus: Bus & EventStoreExtension,
  accountId: string,
  command: Command,
  print: (line: string) => void,
): Promise<Account> {
  const loaded = await bus.eventStore.aggregate(accountId, applyEvent, { initial: closedAccount, snapshot: { every: SNAPSHOT_EVERY } });
  if (loaded.snapshotSaved) print(`   📸 snapshot of ${accountId} at v${loaded.version} (balance €${loaded.state.balance})`);
  const event = decide(loaded.state, command);
  await bus.publish(event.type, event.data, { subject: accountId, expectedVersion: loaded.version });
  return applyEvent(loaded.state, { ...event, id: '', source: '', specversion: '1.0' });
}

/** Runs the demo, writing each line through `print`. */
export async function runEventSourcing(print: (line: string) => void = console.log): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'bus-event-sourcing-'));
  const path = join(directory, 'bank.db');
  try {
    const bus = createBus({ source: 'bank' }).use(store({ backend: sqliteBackend({ path }), types: ['account.#'] }));
    bus.subscribe<Opened>('account.opened', (event) => {
      if (!isReplay(event)) print(`   🏦 ${event.subject} opened for ${event.data.owner}`);
    });
    bus.subscribe<Moved>('account.deposited', (event) => {
      if (!isReplay(event)) print(`   💰 ${event.subject} +€${event.data.amount}`);
    });
    bus.subscribe<Moved>('account.withdrawn', (event) => {
      if (!isReplay(event)) print(`   🏧 ${event.subject} −€${event.data.amount}`);
    });
    await bus.start();
    print(`bank on SQLite (${bus.eventStore.backendName}), plugins [${bus.plugins.join(', ')}]\n`);

    print('commands:');
    await handle(bus, 'acct-ada', { kind: 'open', owner: 'Ada' }, print);
    await handle(bus, 'acct-grace', { kind: 'open', owner: 'Grace' }, print);
    for (const amount of [100, 50, 25]) await handle(bus, 'acct-ada', { kind: 'deposit', amount }, print);
    await handle(bus, 'acct-ada', { kind: 'withdraw', amount: 30 }, print);
    await handle(bus, 'acct-grace', { kind: 'deposit', amount: 500 }, print);
    try {
      await handle(bus, 'acct-grace', { kind: 'withdraw', amount: 9000 }, print);
    } catch (error) {
      if (error instanceof AccountRuleError) print(`   ✋ refused: ${error.message}`);
      else throw error;
    }

    print('\ntwo tellers withdraw from acct-ada at the same time:');
    const tellerA = await bus.eventStore.aggregate('acct-ada', applyEvent, { initial: closedAccount });
    const tellerB = await bus.eventStore.aggregate('acct-ada', applyEvent, { initial: closedAccount });
    print(`   both read v${tellerA.version}, balance €${tellerA.state.balance}`);
    await bus.publish('account.withdrawn', { amount: 100 }, { subject: 'acct-ada', expectedVersion: tellerA.version });
    print('   teller A: withdrew €100');
    try {
      await bus.publish('account.withdrawn', { amount: 100 }, { subject: 'acct-ada', expectedVersion: tellerB.version });
    } catch (error) {
      if (!BusError.is(error) || error.code !== 'CONCURRENCY_CONFLICT') throw error;
      print(`   ⚔️  teller B: ${error.code} — ${error.message}`);
      try {
        await handle(bus, 'acct-ada', { kind: 'withdraw', amount: 100 }, print);
      } catch (retryError) {
        if (!(retryError instanceof AccountRuleError)) throw retryError;
        print(`   teller B reloaded and retried: refused, ${retryError.message}`);
      }
    }

    print('\nacct-ada, rebuilt:');
    const now = await bus.eventStore.aggregate('acct-ada', applyEvent, { initial: closedAccount });
    const then = await bus.eventStore.aggregate('acct-ada', applyEvent, { initial: closedAccount, toVersion: 2 });
    print(
      `   now:  v${now.version}, balance €${now.state.balance} (from the snapshot at v${now.fromSnapshot} + ${now.eventsFolded} events)`,
    );
    print(`   at v2: balance €${then.state.balance}`);

    print('\nreplay into a fresh projection:');
    const balances = new Map<string, number>();
    let replayed = 0;
    for (const type of ['account.deposited', 'account.withdrawn']) {
      bus.subscribe<Moved>(type, (event) => {
        if (!isReplay(event)) return;
        replayed++;
        const sign = event.type === 'account.deposited' ? 1 : -1;
        balances.set(event.subject as string, (balances.get(event.subject as string) ?? 0) + sign * event.data.amount);
      });
    }
    const result = await bus.eventStore.replay({ types: ['account.deposited', 'account.withdrawn'] });
    print(`   ${result.replayed} events replayed (${replayed} seen as replays), up to position ${result.lastPosition}`);
    for (const [account, balance] of [...balances].sort()) print(`   ${account.padEnd(10)} €${balance}`);
    print(`   the store still holds ${(await bus.eventStore.readAll()).length} events: replays are not stored again`);

    print('\na live projection, caught up from the log:');
    const live = new Map<string, number>();
    const subscription = bus.eventStore.subscribe({ types: ['account.*'] }, (record) => {
      const amount = (record.event.data as Partial<Moved>).amount ?? 0;
      const sign = record.event.type === 'account.withdrawn' ? -1 : 1;
      live.set(record.stream, (live.get(record.stream) ?? 0) + sign * amount);
    });
    await subscription.caughtUp;
    print(`   caught up at position ${subscription.position}: acct-ada €${live.get('acct-ada')}`);
    const before = subscription.position;
    await handle(bus, 'acct-ada', { kind: 'deposit', amount: 5 }, print);
    // The append wakes the subscription at once; wait (briefly) until it handled the event.
    for (let waited = 0; subscription.position === before && waited < 5000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    print(`   live at position ${subscription.position}: acct-ada €${live.get('acct-ada')}`);
    await subscription.close();

    await bus.stop();
    print(`\nbus ${bus.status}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
