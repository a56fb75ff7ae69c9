import { runAres } from './ares.ts';

await runAres(console.log);
