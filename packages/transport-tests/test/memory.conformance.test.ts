// The memory transport's conformance run lives here rather than in @bus/core:
// core devDepending on this package would make a cycle in turbo's ^build graph.
// It claims `wildcards`, so it runs their tests with the @bus/topics router.
import { memoryTransport } from '@bus/core';
import { topics } from '@bus/topics';
import { describeTransportConformance } from '../src/index.js';

describeTransportConformance('memory transport', { createTransport: () => memoryTransport(), wildcardPlugins: () => [topics()] });
