/**
 * Additional authenticated data: the event attributes a sealed payload is
 * bound to, so a payload copied into another event does not open.
 */

/**
 * The attributes a payload is bound to.
 *
 * @example
 * ```ts
 * const attributes: AadAttributes = { id: 'e-1', type: 'orders.created', source: 'shop', tenantid: 'acme' };
 * ```
 */
export interface AadAttributes {
  /** The event id. */
  readonly id: string;
  /** The event type. */
  readonly type: string;
  /** The event source. */
  readonly source: string;
  /** The tenant, when the event has one. */
  readonly tenantid?: string | undefined;
}

const encoder = new TextEncoder();

/**
 * The AAD that binds a payload to an event's id, type, source and tenant (and,
 * for field-level encryption, to the field's path, as segments). It is the
 * UTF-8 JSON array `["bus-aad/1", id, type, source, tenantid|null, path|null]`:
 * unambiguous, whatever the attribute values contain.
 *
 * @example
 * ```ts
 * const aad = eventAad({ id: event.id, type: event.type, source: event.source, tenantid: event.tenantid });
 * const sealed = await sealPayload({ keyring, plaintext, aad });
 * ```
 */
export function eventAad(event: AadAttributes, path?: readonly string[]): Uint8Array {
  return encoder.encode(JSON.stringify(['bus-aad/1', event.id, event.type, event.source, event.tenantid ?? null, path ?? null]));
}
