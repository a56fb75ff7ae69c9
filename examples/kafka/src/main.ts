// One command, two processes: starts the billing service (a consumer group
// member), then the orders service (a publisher), prints what each says, and
// stops billing once every order is invoiced. Exits 0 on success.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { readConfig } from './config.ts';

const config = readConfig();
const here = import.meta.dirname;
const TIMEOUT_MS = 60_000;

function start(name: string, file: string): ChildProcess {
  const child = fork(path.join(here, file), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  return child;
}

function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

console.log(`kafka example: ${config.orders} orders from the orders service to the billing service over ${config.brokers}\n`);
const invoiced = new Set<string>();
const billing = start('billing', 'billing-service.ts');
const allInvoiced = Promise.withResolvers<void>();
const ready = Promise.withResolvers<void>();
billing.on('message', (message: { ready?: boolean; invoiced?: string }) => {
  if (message.ready) ready.resolve();
  if (message.invoiced !== undefined) invoiced.add(message.invoiced);
  if (invoiced.size >= config.orders) allInvoiced.resolve();
});
billing.once('exit', (code) => {
  const failure = new Error(`the billing service exited early (${code})`);
  ready.reject(failure);
  allInvoiced.reject(failure);
});

const timer = setTimeout(() => allInvoiced.reject(new Error(`not every order was invoiced within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
let orders: ChildProcess | undefined;
try {
  await ready.promise;
  orders = start('orders ', 'orders-service.ts');
  await allInvoiced.promise;
  const ordersCode = await exited(orders);
  billing.removeAllListeners('exit');
  billing.send('stop');
  const billingCode = await exited(billing);
  console.log(`\n✔ ${invoiced.size} of ${config.orders} orders invoiced (orders exited ${ordersCode}, billing exited ${billingCode})`);
  process.exitCode = ordersCode === 0 && billingCode === 0 ? 0 : 1;
} catch (error) {
  console.error(`\n✖ ${(error as Error).message}`);
  for (const child of [billing, orders]) child?.kill();
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
}
