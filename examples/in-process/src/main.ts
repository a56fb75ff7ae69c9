import { runInProcess } from './in-process.ts';
import { runOperations } from './operations.ts';

await runInProcess();
console.log('');
await runOperations();
