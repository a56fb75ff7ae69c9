import { runSre } from './sre.ts';

await runSre(console.log);
