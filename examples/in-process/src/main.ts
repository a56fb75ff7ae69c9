import { runInProcess } from './in-process.ts';

await runInProcess();
