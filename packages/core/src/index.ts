/**
 * `@bus/core`: the kernel of the bus. CloudEvents envelopes move through a
 * publish pipeline (enrich → guard → encode → dispatch) and a deliver pipeline
 * (decode → guard → handle); plugins add middleware, transports and routers.
 *
 * @packageDocumentation
 */

export { createBus } from './bus.js';
export type { Bus, BusOptions, BusStatus, DispatchReport, PublishReceipt, StopOptions } from './bus-api.js';
export type { BusEventMap, BusEvents, DeadLetteredEvent, DroppedEvent } from './bus-events.js';
export type { ComposeOptions, Middleware, Next } from './compose.js';
export { compose, isThenable } from './compose.js';
export type { EnvelopeInput, EventEnvelope, ExtensionValue, PublishOptions } from './envelope.js';
export { createEventId } from './envelope.js';
export type { BusErrorCode, BusErrorOptions } from './errors.js';
export { BusError, ERROR_CODES } from './errors.js';
export type { GaugeDefinition, GaugeSource } from './gauges.js';
export type { LogFields, Logger, LogLevel, LogMethod } from './logger.js';
export { consoleLogger } from './logger.js';
export { memoryTransport } from './memory-transport.js';
export type {
  DeliverMiddleware,
  DeliverPhase,
  DeliveryContext,
  MiddlewareOptions,
  PublishContext,
  PublishMiddleware,
  PublishPhase,
} from './pipeline.js';
export { DELIVER_PHASES, PUBLISH_PHASES, STAGE_ORDER } from './pipeline.js';
export type { Kernel, NoExtension, Plugin, SubscribeHook } from './plugin.js';
export { definePlugin } from './plugin.js';
export type { Router, RouterFactory } from './router.js';
export { exactRouter } from './router.js';
export type { SendInterceptor, SendNext } from './send-interceptor.js';
export type { EventHandler, SubscribeOptions, Subscription, SubscriptionHandle } from './subscription.js';
export type {
  MessageHandler,
  Transport,
  TransportCapabilities,
  TransportContext,
  TransportSubscription,
  TransportSubscriptionSpec,
} from './transport.js';
export type { UndecodableKeeper, UndecodableMessage } from './undecodable.js';
