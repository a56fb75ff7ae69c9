// Test helpers: a tiny inline JSON serializer (this package must not import
// @bus/serialization) and a tap on what the transport is handed.
import { randomBytes } from 'node:crypto';
import { definePlugin, type EventEnvelope, STAGE_ORDER } from '@bus/core';
import { createKeyring, type Keyring } from '../src/index.js';

/** Serializes `data` to JSON bytes at the serialize stage, and back. */
export function inlineJson() {
  return definePlugin({
    name: 'inline-json',
    setup(kernel) {
      kernel.usePublish(
        'encode',
        function toJson(ctx, next) {
          if (ctx.envelope.data !== undefined && !(ctx.envelope.data instanceof Uint8Array)) {
            ctx.envelope = {
              ...ctx.envelope,
              data: new TextEncoder().encode(JSON.stringify(ctx.envelope.data)),
              datacontenttype: 'application/json',
            };
          }
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
      kernel.useDeliver(
        'decode',
        function fromJson(ctx, next) {
          if (ctx.event.data instanceof Uint8Array)
            ctx.event = { ...ctx.event, data: JSON.parse(new TextDecoder().decode(ctx.event.data)) };
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
    },
  });
}

/** Records every envelope as the transport receives it. */
export function wireTap() {
  const sent: EventEnvelope[] = [];
  const plugin = definePlugin({
    name: 'wire-tap',
    setup(kernel) {
      kernel.usePublish('dispatch', function tap(ctx, next) {
        sent.push(ctx.envelope);
        return next();
      });
    },
  });
  return { sent, plugin };
}

/** A ring with one fresh primary key. */
export function freshKeyring(id = 'k1'): Keyring {
  return createKeyring({ keys: [{ id, key: randomBytes(32), status: 'primary' }] });
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const read = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
