import { runEventSourcing } from './event-sourcing.ts';

await runEventSourcing();
