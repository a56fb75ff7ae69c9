// `pnpm --filter @bus/example-cluster start`: the failover demo, printed.
import { runDemo } from './demo.ts';

const result = await runDemo({ log: (line) => process.stdout.write(`${line}\n`) });
process.stdout.write(`failover: ${Math.round(result.failoverMs)} ms after the kill\n`);
process.stdout.write('ledger, in order:\n');
for (const run of result.runs) process.stdout.write(`  epoch ${run.epoch}: ${run.entries} entries by ${run.worker}\n`);
process.stdout.write(`writes refused by the fence: ${result.refused}\n`);
