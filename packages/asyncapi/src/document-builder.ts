/**
 * Builds the AsyncAPI 3.0.0 document from a picture of the bus: the types it
 * publishes, its subscriptions, a schema lookup (`@bus/schema`'s registry,
 * read structurally: plugins import no other plugin), and a topic mapping
 * (`@bus/kafka`'s `topicFor`, likewise).
 */
import type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiInfo,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiReference,
  AsyncApiSchema,
  AsyncApiServer,
} from './asyncapi-document.js';
import { CLOUDEVENTS_HEADERS_ID, cloudEventsHeaders, headersFor } from './cloudevents-headers.js';
import { idOf, isWildcard, patternAddress, patternMatches } from './type-pattern.js';

/** What `@bus/schema`'s registry gives for a type, as far as this package reads it. */
export interface SchemaLookup {
  get(type: string): { readonly schema: unknown; readonly version: string; readonly dataschema?: string | undefined } | undefined;
  versions(type: string): readonly string[];
}

/** A subscription, as far as the document needs it. */
export interface SubscriptionView {
  readonly pattern: string;
  readonly group: string | undefined;
}

/** Everything the document is made from. */
export interface BusPicture {
  readonly info: AsyncApiInfo;
  readonly defaultContentType: string;
  readonly servers: { readonly [id: string]: AsyncApiServer } | undefined;
  /** Published (or declared) types, with the content type last seen on each. */
  readonly published: ReadonlyMap<string, string | undefined>;
  readonly subscriptions: readonly SubscriptionView[];
  /** Payload schemas given in the options. */
  readonly schemas: { readonly [type: string]: AsyncApiSchema };
  readonly registry: SchemaLookup | undefined;
  /** The Kafka topic of a type, when `@bus/kafka` is the transport. */
  readonly topicFor: ((type: string) => string) | undefined;
}

const KAFKA_BINDING_VERSION = '0.5.0';
/** The message of a wildcard channel none of whose types the bus knows. */
const ANY_EVENT_ID = 'AnyCloudEvent';

/** The document of `picture`. */
export function buildDocument(picture: BusPicture): AsyncApiDocument {
  const kafka = picture.topicFor !== undefined;
  const exactReceived = picture.subscriptions.filter((s) => !isWildcard(s.pattern)).map((s) => s.pattern);
  const types = [...new Set([...picture.published.keys(), ...exactReceived, ...Object.keys(picture.schemas)])].sort();

  const messages: Record<string, AsyncApiMessage> = {};
  const channels: Record<string, AsyncApiChannel> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  const messageRef = (type: string): AsyncApiReference => ({ $ref: `#/components/messages/${idOf(type)}` });

  for (const type of types) {
    messages[idOf(type)] = messageFor(type, picture, kafka);
    const address = topicOf(type, picture.topicFor);
    channels[idOf(type)] = {
      address,
      description: `Events of type \`${type}\`.`,
      messages: { [idOf(type)]: messageRef(type) },
      ...(kafka ? { bindings: { kafka: { topic: address, bindingVersion: KAFKA_BINDING_VERSION } } } : {}),
    };
  }
  for (const type of picture.published.keys()) {
    operations[uniqueId(operations, `send.${idOf(type)}`)] = {
      action: 'send',
      summary: `The bus publishes \`${type}\`.`,
      channel: { $ref: `#/channels/${idOf(type)}` },
      messages: [{ $ref: `#/channels/${idOf(type)}/messages/${idOf(type)}` }],
    };
  }

  const seen = new Set<string>();
  for (const subscription of picture.subscriptions) {
    const key = `${subscription.pattern}\u0000${subscription.group ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let channelId = idOf(subscription.pattern);
    if (isWildcard(subscription.pattern)) {
      const matching = types.filter((type) => patternMatches(subscription.pattern, type));
      channelId = `pattern.${idOf(subscription.pattern)}`;
      if (channels[channelId] === undefined) {
        const { address, parameters } = patternAddress(subscription.pattern);
        if (matching.length === 0) messages[ANY_EVENT_ID] ??= anyEventMessage();
        channels[channelId] = {
          address,
          parameters,
          description:
            `Every ${kafka ? 'topic whose type' : 'type'} matches \`${subscription.pattern}\` ` +
            '(`*` one dot-separated word, `#` zero or more).',
          messages: Object.fromEntries(
            matching.length === 0
              ? [[ANY_EVENT_ID, { $ref: `#/components/messages/${ANY_EVENT_ID}` }]]
              : matching.map((type) => [idOf(type), messageRef(type)]),
          ),
        };
      }
    }
    const channel = channels[channelId] as AsyncApiChannel;
    const group = subscription.group;
    operations[uniqueId(operations, `receive.${channelId}${group === undefined ? '' : `.${idOf(group)}`}`)] = {
      action: 'receive',
      summary: `The bus subscribes to \`${subscription.pattern}\`${group === undefined ? '' : ` in group \`${group}\``}.`,
      channel: { $ref: `#/channels/${channelId}` },
      messages: Object.keys(channel.messages).map((id) => ({ $ref: `#/channels/${channelId}/messages/${id}` })),
      ...(kafka && group !== undefined
        ? { bindings: { kafka: { groupId: { type: 'string', enum: [group] }, bindingVersion: KAFKA_BINDING_VERSION } } }
        : {}),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: picture.info,
    defaultContentType: picture.defaultContentType,
    ...(picture.servers === undefined ? {} : { servers: picture.servers }),
    channels,
    operations,
    components: { messages, schemas: { [CLOUDEVENTS_HEADERS_ID]: cloudEventsHeaders() } },
  };
}

function messageFor(type: string, picture: BusPicture, kafka: boolean): AsyncApiMessage {
  const registered = picture.registry?.get(type);
  const given = picture.schemas[type];
  let payload: AsyncApiSchema = { description: 'No schema is registered for this type.' };
  let summary: string | undefined;
  if (given !== undefined) payload = plainSchema(given);
  else if (registered !== undefined) {
    payload = jsonSchemaOf(registered.schema);
    const versions = picture.registry?.versions(type) ?? [];
    summary = `Schema version ${registered.version}${versions.length > 1 ? ` (registered: ${versions.join(', ')})` : ''}.`;
  }
  return {
    name: type,
    title: type,
    ...(summary === undefined ? {} : { summary }),
    contentType: picture.published.get(type) ?? picture.defaultContentType,
    headers: headersFor(type),
    payload,
    ...(kafka
      ? {
          bindings: {
            kafka: {
              key: {
                type: 'string',
                description: 'The partition key (`partitionkey`, else `subject`): events with one key keep their order.',
              },
              bindingVersion: KAFKA_BINDING_VERSION,
            },
          },
        }
      : {}),
  };
}

function anyEventMessage(): AsyncApiMessage {
  return {
    name: 'CloudEvent',
    title: 'Any event',
    summary: 'Any event whose type matches the channel (no such type has been published or declared yet).',
    headers: { $ref: `#/components/schemas/${CLOUDEVENTS_HEADERS_ID}` },
    payload: {},
  };
}

/** A JSON Schema from the registry; a Standard Schema (zod, valibot, …) as JSON Schema if it can say, else a note. */
function jsonSchemaOf(schema: unknown): AsyncApiSchema {
  if (typeof schema === 'boolean') return schema ? {} : { not: {} };
  if (typeof schema !== 'object' || schema === null) return {};
  const standard = (schema as { '~standard'?: { vendor?: string; jsonSchema?: { output?: (options: { target: string }) => unknown } } })[
    '~standard'
  ];
  if (standard === undefined) return plainSchema(schema as AsyncApiSchema);
  const output = standard.jsonSchema?.output;
  if (typeof output === 'function') {
    try {
      const converted = output({ target: 'draft-07' });
      if (typeof converted === 'object' && converted !== null) return plainSchema(converted as AsyncApiSchema);
    } catch {
      // Falls through to the note: a schema that cannot be expressed as JSON Schema.
    }
  }
  return { description: `Validated by a Standard Schema (${standard.vendor ?? 'unknown vendor'}) that has no JSON Schema form.` };
}

/** The schema without `$schema` and `$id`: inside the document its dialect is AsyncAPI's, and its base URI the document's. */
function plainSchema(schema: AsyncApiSchema): AsyncApiSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

function topicOf(type: string, topicFor: ((type: string) => string) | undefined): string {
  if (topicFor === undefined) return type;
  try {
    return topicFor(type);
  } catch {
    return type; // a type with no legal topic: the transport would refuse it too; the document still names it
  }
}

function uniqueId(taken: Record<string, unknown>, id: string): string {
  if (taken[id] === undefined) return id;
  let n = 2;
  while (taken[`${id}.${n}`] !== undefined) n += 1;
  return `${id}.${n}`;
}
