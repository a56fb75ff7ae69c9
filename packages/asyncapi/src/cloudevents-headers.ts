/**
 * The CloudEvents attributes as message headers, in the names of the Kafka
 * protocol binding's binary mode (`ce_<attribute>`; `datacontenttype` is
 * `content-type`): https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md
 */
import type { AsyncApiSchema } from './asyncapi-document.js';

/** The id of the shared header schema in `components.schemas`. */
export const CLOUDEVENTS_HEADERS_ID = 'CloudEventsHeaders';

const text = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });

/**
 * The headers every bus event carries: the required CloudEvents attributes,
 * the optional ones, and the bus's extension attributes.
 */
export function cloudEventsHeaders(): AsyncApiSchema {
  return {
    type: 'object',
    description: 'CloudEvents 1.0 attributes, as Kafka record headers (binary content mode).',
    required: ['ce_id', 'ce_source', 'ce_type', 'ce_specversion'],
    properties: {
      ce_id: text('The event id: unique per source.'),
      ce_source: text('Where the event happened (a URI reference).', { format: 'uri-reference' }),
      ce_type: text('The event type (dot-separated words); the routing key.'),
      ce_specversion: text('The CloudEvents version.', { const: '1.0' }),
      ce_time: text('When the event happened (RFC 3339).', { format: 'date-time' }),
      ce_subject: text('What the event is about, within its source.'),
      ce_dataschema: text('The schema the data adheres to (a URI).', { format: 'uri' }),
      'content-type': text('The content type of the data (`datacontenttype`).'),
      ce_correlationid: text('Extension: the correlation id the event belongs to.'),
      ce_causationid: text('Extension: the id of the event that caused this one.'),
      ce_traceparent: text('Extension: W3C trace context.'),
      ce_tracestate: text('Extension: W3C trace state.'),
      ce_partitionkey: text('Extension: the partition key (also the Kafka record key): events with one key keep their order.'),
      ce_sequence: text('Extension: the position of the event in its stream.'),
      ce_tenantid: text('Extension: the tenant.'),
      ce_priority: text('Extension: the priority.'),
      ce_schemaversion: text('Extension: the version of the data schema.'),
      ce_replay: text('Extension: `true` on events republished from the event store.', { enum: ['true', 'false'] }),
    },
  };
}

/** The header schema of one message type: the shared one, with `ce_type` fixed to `type`. */
export function headersFor(type: string): AsyncApiSchema {
  return {
    allOf: [{ $ref: `#/components/schemas/${CLOUDEVENTS_HEADERS_ID}` }, { type: 'object', properties: { ce_type: { const: type } } }],
  };
}
