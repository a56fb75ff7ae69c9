import { describeOutboxConformance } from './support/conformance.js';
import { postgresEnv } from './support/store-env.js';

describeOutboxConformance('postgres, marty layout', () => postgresEnv('marty'));
