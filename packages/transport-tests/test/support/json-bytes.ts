/** A minimal JSON codec plugin for the loopback transport, which carries bytes only. */
import { definePlugin, type Plugin } from '@bus/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `data` as JSON bytes on publish and decodes it on delivery. */
export function jsonBytes(): Plugin {
  return definePlugin({
    name: 'json-bytes',
    setup(kernel) {
      kernel.usePublish('encode', function encodeJson(ctx, next) {
        ctx.envelope = { ...ctx.envelope, data: encoder.encode(JSON.stringify(ctx.envelope.data)), datacontenttype: 'application/json' };
        return next();
      });
      kernel.useDeliver('decode', function decodeJson(ctx, next) {
        if (ctx.event.data instanceof Uint8Array) ctx.event = { ...ctx.event, data: JSON.parse(decoder.decode(ctx.event.data)) };
        return next();
      });
    },
  });
}
