/**
 * The dead letter of a message a transport could not decode: the same record
 * as for an event whose attempts ran out, with the bytes in `raw` and a
 * stand-in envelope, so one sink and one format hold both.
 */
import { randomUUID } from 'node:crypto';
import type { EventEnvelope, Subscription, UndecodableMessage } from '@bus/core';
import { nowIso } from '@bus/core/plugin-kit';
import type { DeadLetter, RawMessage } from './dead-letter.js';

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The dead letter of `message`, consumed by `subscription` (the live one, when it still is). */
export function undecodableLetter(message: UndecodableMessage, subscription: Subscription | undefined): DeadLetter {
  const time = nowIso();
  const raw: RawMessage = {
    transport: message.transport,
    position: message.position,
    ...(message.key === undefined ? {} : { key: base64(message.key) }),
    value: message.value === null ? null : base64(message.value),
    headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, base64(value)])),
  };
  const event: EventEnvelope = {
    specversion: '1.0',
    id: `undecodable:${message.position}`,
    source: `/${message.transport}`,
    type: message.type ?? 'undecodable',
    time,
    data: undefined,
  };
  const spec = message.subscription;
  return {
    id: randomUUID(),
    event,
    error: message.error,
    attempts: 0,
    time,
    subscription: { id: spec.id, name: subscription?.name ?? spec.pattern, pattern: spec.pattern },
    raw,
  };
}
