// Kafka carries bytes: this plugin turns `data` into JSON bytes on publish and
// back on delivery. A real service would use @bus/serialization's
// `serialization()` (size and depth limits, MessagePack, content negotiation);
// the example keeps its own ten lines so it depends on nothing but the kernel and Kafka.
import { definePlugin, STAGE_ORDER } from '@bus/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const jsonCodec = () =>
  definePlugin({
    name: 'json-codec',
    setup(kernel) {
      kernel.usePublish(
        'encode',
        function toJson(ctx, next) {
          ctx.envelope = { ...ctx.envelope, data: encoder.encode(JSON.stringify(ctx.envelope.data)), datacontenttype: 'application/json' };
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
      kernel.useDeliver(
        'decode',
        function fromJson(ctx, next) {
          if (ctx.event.data instanceof Uint8Array) ctx.event = { ...ctx.event, data: JSON.parse(decoder.decode(ctx.event.data)) };
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
    },
  });
