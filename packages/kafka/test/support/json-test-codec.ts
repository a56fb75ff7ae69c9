/**
 * A tiny JSON codec plugin for the tests: the Kafka transport carries bytes
 * only, and the tests must not depend on @bus/serialization.
 */
import { definePlugin, type Plugin, STAGE_ORDER } from '@bus/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `data` as JSON bytes on publish (`application/json`) and decodes JSON bytes on delivery. */
export function jsonTestCodec(): Plugin {
  return definePlugin({
    name: 'json-test-codec',
    setup(kernel) {
      kernel.usePublish(
        'encode',
        function encodeJson(ctx, next) {
          const { data } = ctx.envelope;
          if (data !== undefined && !(data instanceof Uint8Array)) {
            ctx.envelope = { ...ctx.envelope, data: encoder.encode(JSON.stringify(data)), datacontenttype: 'application/json' };
          }
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
      kernel.useDeliver(
        'decode',
        function decodeJson(ctx, next) {
          const { data, datacontenttype } = ctx.event;
          if (data instanceof Uint8Array && (datacontenttype === undefined || datacontenttype.startsWith('application/json'))) {
            ctx.event = { ...ctx.event, data: JSON.parse(decoder.decode(data)) };
          }
          return next();
        },
        { order: STAGE_ORDER.serialize },
      );
    },
  });
}
