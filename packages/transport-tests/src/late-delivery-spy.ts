/**
 * A see-through wrapper that catches a transport calling a subscription's
 * handler after its `unsubscribe()` resolved. The kernel drops such late
 * messages, so the bus alone cannot see them; but the transport has then
 * acknowledged (and, in a group, taken from the other members) an event
 * nobody handled.
 */
import type { Transport } from '@bus/core';

/** A transport to test through, and what it delivered too late. */
export interface LateDeliverySpy {
  /** Wrap the transport under test with this. */
  readonly wrap: (transport: Transport) => Transport;
  /** `<subscription id>: <event id>` of every message handed over after unsubscribe resolved. */
  readonly late: string[];
}

/** Makes a spy; every method delegates to the wrapped transport, as a method call. */
export function lateDeliverySpy(): LateDeliverySpy {
  const late: string[] = [];
  const wrap = (transport: Transport): Transport => ({
    get name() {
      return transport.name;
    },
    get capabilities() {
      return transport.capabilities;
    },
    start: (context) => transport.start(context),
    stop: () => transport.stop(),
    send: (messages) => transport.send(messages),
    async subscribe(spec, onMessage) {
      let unsubscribed = false;
      const subscription = await transport.subscribe(spec, (message) => {
        if (unsubscribed) late.push(`${spec.id}: ${message.id}`);
        return onMessage(message);
      });
      return {
        async unsubscribe() {
          await subscription.unsubscribe();
          unsubscribed = true;
        },
      };
    },
  });
  return { wrap, late };
}
