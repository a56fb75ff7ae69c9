// The lease elector suite on SQLite (node:sqlite), in a temporary file.
import { sqliteEnv } from './support/engines.js';
import { describeLeaseConformance } from './support/lease-conformance.js';

describeLeaseConformance('sqlite', sqliteEnv);
