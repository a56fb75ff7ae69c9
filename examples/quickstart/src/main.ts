import { runQuickstart } from './quickstart.ts';

await runQuickstart();
