// The memory transport's conformance run lives here rather than in @bus/core:
// core devDepending on this package would make a cycle in turbo's ^build graph.
import { memoryTransport } from '@bus/core';
import { describeTransportConformance } from '../src/index.js';

describeTransportConformance('memory transport', { createTransport: () => memoryTransport() });
