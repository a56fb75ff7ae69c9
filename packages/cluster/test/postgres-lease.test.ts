// The lease elector suite on the real Postgres (BUS_PG_URL), in a schema of its own dropped after.

import { postgresEnv } from './support/engines.js';
import { describeLeaseConformance } from './support/lease-conformance.js';

describeLeaseConformance('postgres', postgresEnv);
