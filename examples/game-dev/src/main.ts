import { runGameDev } from './game-dev.ts';

await runGameDev(console.log);
