/**
 * The shape of the AsyncAPI 3.0.0 documents this package writes: the parts
 * it fills, typed; everything else an AsyncAPI document may hold is allowed
 * by the index signatures (https://www.asyncapi.com/docs/reference/specification/v3.0.0).
 */

/**
 * A JSON Schema (draft 07, which AsyncAPI's schema object extends), as plain data.
 *
 * @example
 * ```ts
 * const schema: AsyncApiSchema = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
 * ```
 */
export type AsyncApiSchema = { readonly [keyword: string]: unknown };

/**
 * A reference to another part of the document.
 *
 * @example
 * ```ts
 * const ref: AsyncApiReference = { $ref: '#/channels/orders.created' };
 * ```
 */
export interface AsyncApiReference {
  /** A JSON pointer into the document, `#/…`. */
  readonly $ref: string;
}

/**
 * The `info` object: what the API is called and its version.
 *
 * @example
 * ```ts
 * const info: AsyncApiInfo = { title: 'Orders service', version: '1.4.0', description: 'Order lifecycle events.' };
 * ```
 */
export interface AsyncApiInfo {
  /** The API's title. */
  readonly title: string;
  /** The API's version (not AsyncAPI's). */
  readonly version: string;
  /** A longer description; CommonMark. */
  readonly description?: string;
  /** Any other info field (`contact`, `license`, `tags`, …). */
  readonly [field: string]: unknown;
}

/**
 * A server: where the channels are (a Kafka cluster's bootstrap broker).
 *
 * @example
 * ```ts
 * const server: AsyncApiServer = { host: 'kafka-1:9092', protocol: 'kafka', description: 'production cluster' };
 * ```
 */
export interface AsyncApiServer {
  /** `host[:port]`. */
  readonly host: string;
  /** `kafka`, `kafka-secure`, `amqp`, … */
  readonly protocol: string;
  /** Any other server field (`description`, `security`, `bindings`, …). */
  readonly [field: string]: unknown;
}

/**
 * A message: one event type as it travels, with its headers and payload schemas.
 *
 * @example
 * ```ts
 * const message: AsyncApiMessage = { name: 'orders.created', contentType: 'application/json', payload: { type: 'object' } };
 * ```
 */
export interface AsyncApiMessage {
  /** The event type. */
  readonly name: string;
  /** A short title. */
  readonly title?: string;
  /** What the message is. */
  readonly summary?: string;
  /** How the payload is encoded (`datacontenttype`). */
  readonly contentType?: string;
  /** The headers' schema: the CloudEvents attributes, as the Kafka binary binding carries them. */
  readonly headers?: AsyncApiSchema;
  /** The payload's schema (the event's `data`). */
  readonly payload?: AsyncApiSchema;
  /** Protocol bindings (`kafka`: the record key). */
  readonly bindings?: { readonly [protocol: string]: unknown };
  /** Any other message field. */
  readonly [field: string]: unknown;
}

/**
 * A channel: an address (a topic) and the messages that may be on it.
 *
 * @example
 * ```ts
 * const channel: AsyncApiChannel = { address: 'orders.created', messages: { 'orders.created': { $ref: '#/components/messages/orders.created' } } };
 * ```
 */
export interface AsyncApiChannel {
  /** The topic, or a pattern of topics with `{parameters}`. */
  readonly address: string;
  /** The messages on it, by id. */
  readonly messages: { readonly [id: string]: AsyncApiMessage | AsyncApiReference };
  /** What the channel is. */
  readonly description?: string;
  /** The `{parameters}` of the address. */
  readonly parameters?: { readonly [name: string]: { readonly description?: string } };
  /** Protocol bindings (`kafka`: the topic). */
  readonly bindings?: { readonly [protocol: string]: unknown };
  /** Any other channel field. */
  readonly [field: string]: unknown;
}

/**
 * An operation: this service sends to a channel, or receives from it.
 *
 * @example
 * ```ts
 * const operation: AsyncApiOperation = { action: 'send', channel: { $ref: '#/channels/orders.created' } };
 * ```
 */
export interface AsyncApiOperation {
  /** `send` (the bus publishes) or `receive` (the bus subscribes). */
  readonly action: 'send' | 'receive';
  /** The channel. */
  readonly channel: AsyncApiReference;
  /** Which of the channel's messages. */
  readonly messages?: readonly AsyncApiReference[];
  /** What it does. */
  readonly summary?: string;
  /** Protocol bindings (`kafka`: the consumer group). */
  readonly bindings?: { readonly [protocol: string]: unknown };
  /** Any other operation field. */
  readonly [field: string]: unknown;
}

/**
 * An AsyncAPI 3.0.0 document.
 *
 * @example
 * ```ts
 * const doc: AsyncApiDocument = bus.asyncapi.document();
 * Object.keys(doc.channels); // ['orders.created', …]
 * ```
 */
export interface AsyncApiDocument {
  /** Always `3.0.0`. */
  readonly asyncapi: '3.0.0';
  /** What the API is. */
  readonly info: AsyncApiInfo;
  /** The default content type of messages. */
  readonly defaultContentType?: string;
  /** Where the channels are. */
  readonly servers?: { readonly [id: string]: AsyncApiServer };
  /** The channels, by id. */
  readonly channels: { readonly [id: string]: AsyncApiChannel };
  /** What the service sends and receives, by id. */
  readonly operations: { readonly [id: string]: AsyncApiOperation };
  /** Reusable parts: the messages and their header schema. */
  readonly components: {
    readonly messages: { readonly [id: string]: AsyncApiMessage };
    readonly schemas: { readonly [id: string]: AsyncApiSchema };
  };
}
