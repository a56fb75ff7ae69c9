import { memoryBackend } from '../src/index.js';
import { describeEventStoreConformance } from '../src/testing/index.js';

describeEventStoreConformance('memory backend', { createBackend: () => memoryBackend() });
