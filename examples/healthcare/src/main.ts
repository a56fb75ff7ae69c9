import { runHealthcare } from './healthcare.ts';

await runHealthcare(console.log);
