import type { Bus, DroppedEvent, EventEnvelope, MessageHandler, Transport, TransportCapabilities } from '@bus/core';

/** A promise to release by hand. */
export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => resolve() };
}

/** Lets every pending promise callback and immediate run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records `dropped` signals as `[data, code, policy]`. */
export function recordDrops(bus: Bus): [unknown, string, unknown][] {
  const drops: [unknown, string, unknown][] = [];
  bus.events.on('dropped', ({ event, error }: DroppedEvent) => {
    drops.push([event.data, error.code, (error.details as { policy?: string } | undefined)?.policy]);
  });
  return drops;
}

/**
 * A transport that claims redelivery, as Kafka does: `send` hands each
 * message to every route and keeps what the kernel returned (ack or nack).
 */
export function redeliveringTransport(): Transport & { readonly outcomes: Promise<unknown>[] } {
  const routes: { pattern: string; onMessage: MessageHandler }[] = [];
  const outcomes: Promise<unknown>[] = [];
  const capabilities: TransportCapabilities = {
    inProcess: true,
    durable: true,
    consumerGroups: false,
    orderedPerKey: true,
    wildcards: false,
    redelivery: true,
    requiresEncodedData: false,
  };
  return {
    name: 'redelivering',
    capabilities,
    outcomes,
    start: () => undefined,
    stop: () => undefined,
    send(messages: readonly EventEnvelope[]) {
      for (const message of messages) {
        for (const route of routes) {
          if (route.pattern !== message.type) continue;
          const outcome = Promise.resolve().then(() => route.onMessage(message));
          outcome.catch(() => undefined);
          outcomes.push(outcome);
        }
      }
    },
    subscribe(spec, onMessage) {
      const route = { pattern: spec.pattern, onMessage };
      routes.push(route);
      return { unsubscribe: () => void routes.splice(routes.indexOf(route), 1) };
    },
  };
}
