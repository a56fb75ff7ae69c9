/**
 * `@bus/asyncapi`: an AsyncAPI 3.0.0 document from what a bus knows — channels
 * from its subscriptions and the types it publishes, payload schemas from
 * `@bus/schema`, CloudEvents attributes as message headers, and Kafka topics
 * and bindings when `@bus/kafka` is the transport.
 *
 * @packageDocumentation
 */

export type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiInfo,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiReference,
  AsyncApiSchema,
  AsyncApiServer,
} from './asyncapi-document.js';
export type { AsyncApiExtension, AsyncApiOptions } from './asyncapi-plugin.js';
export { asyncapi } from './asyncapi-plugin.js';
