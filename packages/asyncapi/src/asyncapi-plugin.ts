/**
 * `asyncapi(options)`: adds `bus.asyncapi.document()`, an AsyncAPI 3.0.0
 * document of what the bus knows when it is called. The kernel has no
 * read-only view of a bus's subscriptions or types, so the plugin learns them
 * through what is public: an `onSubscribe` hook (subscriptions made after
 * `.use(asyncapi())`), a `dispatch` middleware that notes each published
 * type, and the `publishes` option for types not published yet. Schemas come
 * from `bus.schemas` (`@bus/schema`) and topics from `bus.kafka.topicFor`
 * (`@bus/kafka`) when those plugins are used; both are read by shape, not imported.
 */
import { type Bus, BusError, definePlugin, type Plugin } from '@bus/core';
import type { AsyncApiDocument, AsyncApiInfo, AsyncApiSchema, AsyncApiServer } from './asyncapi-document.js';
import { buildDocument, type SchemaLookup, type SubscriptionView } from './document-builder.js';

/**
 * Options of {@link asyncapi}.
 *
 * @example
 * ```ts
 * const options: AsyncApiOptions = {
 *   info: { title: 'Orders service', version: '1.4.0' },
 *   publishes: ['orders.created', 'orders.shipped'],
 *   servers: { production: { host: 'kafka-1:9092', protocol: 'kafka' } },
 * };
 * ```
 */
export interface AsyncApiOptions {
  /** The document's `info`: at least `title` and `version`. */
  readonly info: AsyncApiInfo;
  /** Types the bus publishes, listed before it publishes them (published types are added as they are seen). */
  readonly publishes?: readonly string[];
  /** Payload schemas by type, for types `@bus/schema` has none for (these win over the registry's). */
  readonly schemas?: { readonly [type: string]: AsyncApiSchema };
  /** The document's servers, e.g. the Kafka cluster: the plugin cannot read `@bus/kafka`'s brokers. */
  readonly servers?: { readonly [id: string]: AsyncApiServer };
  /** The content type of messages whose events named none. Default `application/json`. */
  readonly defaultContentType?: string;
}

/**
 * What {@link asyncapi} adds to the bus.
 *
 * @example
 * ```ts
 * const document = bus.asyncapi.document();
 * ```
 */
export interface AsyncApiExtension {
  /** The AsyncAPI document. */
  readonly asyncapi: {
    /** An AsyncAPI 3.0.0 document of the bus as it is now: a new object on each call. */
    document(): AsyncApiDocument;
  };
}

/**
 * Adds `bus.asyncapi.document()`. Use it before subscribing: subscriptions
 * made before it are not seen.
 *
 * @param options - the document's `info`, and what the bus cannot tell by itself; see {@link AsyncApiOptions}.
 * @example
 * ```ts
 * import { asyncapi } from '@bus/asyncapi';
 *
 * const bus = createBus({ source: 'orders' })
 *   .use(topics())
 *   .use(schema({ registry }))
 *   .use(asyncapi({ info: { title: 'Orders service', version: '1.4.0' }, publishes: ['orders.created'] }));
 * bus.subscribe('payments.*.settled', onSettled, { group: 'orders' });
 * writeFileSync('asyncapi.json', JSON.stringify(bus.asyncapi.document(), null, 2));
 * ```
 */
export function asyncapi(options: AsyncApiOptions): Plugin<AsyncApiExtension> {
  const info = checkInfo(options?.info);
  const published = new Map<string, string | undefined>((options.publishes ?? []).map((type) => [type, undefined]));
  const schemas = { ...options.schemas };
  return definePlugin({
    name: 'asyncapi',
    setup(kernel) {
      const subscriptions = new Map<string, SubscriptionView>();
      kernel.onSubscribe((subscription) => {
        subscriptions.set(subscription.id, { pattern: subscription.pattern, group: subscription.group });
        return () => subscriptions.delete(subscription.id);
      });
      kernel.usePublish(
        'dispatch',
        function noteAsyncApiType(ctx, next) {
          const { type, datacontenttype } = ctx.envelope;
          if (!published.has(type) || (datacontenttype !== undefined && published.get(type) === undefined)) {
            published.set(type, datacontenttype);
          }
          return next();
        },
        { order: Number.MIN_SAFE_INTEGER },
      );
      const bus = kernel.bus;
      return {
        asyncapi: {
          document: () =>
            buildDocument({
              info,
              defaultContentType: options.defaultContentType ?? 'application/json',
              servers: options.servers,
              published,
              subscriptions: [...subscriptions.values()],
              schemas,
              registry: kernel.hasPlugin('schema') ? registryOf(bus) : undefined,
              topicFor: kernel.hasPlugin('kafka') ? topicMapperOf(bus) : undefined,
            }),
        },
      };
    },
  });
}

function checkInfo(info: AsyncApiInfo | undefined): AsyncApiInfo {
  if (typeof info?.title !== 'string' || info.title.length === 0 || typeof info.version !== 'string' || info.version.length === 0) {
    throw new BusError(
      'CONFIG_INVALID',
      "asyncapi({ info }) needs info.title and info.version, e.g. { title: 'Orders', version: '1.0.0' }.",
    );
  }
  return info;
}

/** `bus.schemas` when it looks like `@bus/schema`'s registry. */
function registryOf(bus: Bus): SchemaLookup | undefined {
  const registry = (bus as { schemas?: Partial<SchemaLookup> }).schemas;
  if (typeof registry?.get !== 'function' || typeof registry.versions !== 'function') return undefined;
  return registry as SchemaLookup;
}

/** `bus.kafka.topicFor` when it looks like `@bus/kafka`'s. */
function topicMapperOf(bus: Bus): ((type: string) => string) | undefined {
  const topicFor = (bus as { kafka?: { topicFor?: unknown } }).kafka?.topicFor;
  return typeof topicFor === 'function' ? (type) => String(topicFor(type)) : undefined;
}
