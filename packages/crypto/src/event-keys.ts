/** What the plugins tell key providers and the AAD about an event. */
import type { EventEnvelope } from '@bus/core';
import type { KeyContext } from './key-provider.js';

/** The key context of an event (and of one of its fields, with `path`). */
export function keyContextOf(event: EventEnvelope, path?: string): KeyContext {
  return { eventId: event.id, type: event.type, source: event.source, subject: event.subject, tenantid: event.tenantid, path };
}
