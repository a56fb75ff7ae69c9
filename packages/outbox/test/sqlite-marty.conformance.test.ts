import { describeOutboxConformance } from './support/conformance.js';
import { sqliteEnv } from './support/store-env.js';

describeOutboxConformance('sqlite, marty layout', () => sqliteEnv('marty'));
