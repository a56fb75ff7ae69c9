import { runDistributedArchitect } from './distributed-architect.ts';

await runDistributedArchitect(console.log);
