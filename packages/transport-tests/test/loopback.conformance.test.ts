// A broker-like stand-in (bytes only, asynchronous, several transports on one
// broker, redelivery, durable group positions) runs every capability test,
// including those only a networked transport such as Kafka reaches.
import { describeTransportConformance } from '../src/index.js';
import { jsonBytes } from './support/json-bytes.js';
import { LoopbackBroker, loopbackTransport } from './support/loopback-transport.js';

const broker = new LoopbackBroker();

describeTransportConformance('loopback transport', {
  createTransport: () => loopbackTransport(broker),
  plugins: () => [jsonBytes()],
  deliveryTimeoutMs: 2_000,
});
