import { runDataEngineer } from './data-engineer.ts';

await runDataEngineer(console.log);
