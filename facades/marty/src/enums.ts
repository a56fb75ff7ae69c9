/**
 * The enums of `enhanced_event_bus.py` (and `types.py`'s audit and notification
 * types), as frozen objects of constants plus the union of their values: a
 * Python `EventStatus.PENDING` is `EventStatus.PENDING`, its `.value` is the
 * constant itself, and `list(EventStatus)` is `Object.values(EventStatus)`.
 */

/**
 * Outbox row status.
 *
 * @example
 * ```ts
 * if (row.status === EventStatus.DEAD_LETTER) alert(row.event_id);
 * ```
 */
export const EventStatus = Object.freeze({
  PENDING: 'pending',
  PROCESSING: 'processing',
  COMPLETED: 'completed',
  FAILED: 'failed',
  DEAD_LETTER: 'dead_letter',
} as const);
/** A value of {@link EventStatus}. */
export type EventStatus = (typeof EventStatus)[keyof typeof EventStatus];

/**
 * Event category classification.
 *
 * @example
 * ```ts
 * const category: EventCategory = EventCategory.AUDIT; // 'audit'
 * ```
 */
export const EventCategory = Object.freeze({
  DOMAIN: 'domain',
  INTEGRATION: 'integration',
  AUDIT: 'audit',
  SYSTEM: 'system',
  NOTIFICATION: 'notification',
} as const);
/** A value of {@link EventCategory}. */
export type EventCategory = (typeof EventCategory)[keyof typeof EventCategory];

/**
 * Operational modes of the event bus.
 *
 * @example
 * ```ts
 * const mode: EventBusMode = EventBusMode.TRANSACTIONAL;
 * ```
 */
export const EventBusMode = Object.freeze({ DIRECT: 'direct', TRANSACTIONAL: 'transactional', TESTING: 'testing' } as const);
/** A value of {@link EventBusMode}. */
export type EventBusMode = (typeof EventBusMode)[keyof typeof EventBusMode];

/**
 * Backend types: Kafka only.
 *
 * @example
 * ```ts
 * const backend: EventBackendType = EventBackendType.KAFKA; // 'kafka'
 * ```
 */
export const EventBackendType = Object.freeze({ KAFKA: 'kafka' } as const);
/** A value of {@link EventBackendType}. */
export type EventBackendType = (typeof EventBackendType)[keyof typeof EventBackendType];

/**
 * Processing priority, 1 (low) to 4 (critical): compared by value, written as
 * the number in `toJSON()`, and mapped onto the envelope's `priority`.
 * (`types.py` has a string priority of its own: see `@bus/facade-marty/types`.)
 *
 * @example
 * ```ts
 * new BaseEvent({ eventType: 'pager.alert', priority: EventPriority.CRITICAL });
 * ```
 */
export const EventPriority = Object.freeze({ LOW: 1, NORMAL: 2, HIGH: 3, CRITICAL: 4 } as const);
/** A value of {@link EventPriority}. */
export type EventPriority = (typeof EventPriority)[keyof typeof EventPriority];

/**
 * Delivery guarantees a publish asks for.
 *
 * @example
 * ```ts
 * await bus.publish(event, DeliveryGuarantee.EXACTLY_ONCE);
 * ```
 */
export const DeliveryGuarantee = Object.freeze({
  AT_MOST_ONCE: 'at_most_once',
  AT_LEAST_ONCE: 'at_least_once',
  EXACTLY_ONCE: 'exactly_once',
} as const);
/** A value of {@link DeliveryGuarantee}. */
export type DeliveryGuarantee = (typeof DeliveryGuarantee)[keyof typeof DeliveryGuarantee];

/** `USER_LOGIN_FAILED` → `user.login.failed`, as a type. */
export type Dotted<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Lowercase<Head>}.${Dotted<Tail>}` : Lowercase<S>;

/** An enum whose values are its names lowercased with dots (`USER_LOGIN: 'user.login'`), as `types.py`'s are. */
export type DottedEnum<N extends string> = { readonly [K in N]: Dotted<K> };

/** A frozen {@link DottedEnum} of `names`. */
function dottedEnum<const N extends string>(names: readonly N[]): DottedEnum<N> {
  return Object.freeze(Object.fromEntries(names.map((name) => [name, name.toLowerCase().replaceAll('_', '.')]))) as DottedEnum<N>;
}

/** The member names of {@link AuditEventType}, in `types.py`'s order. */
// biome-ignore format: the names in rows, as in types.py
export const AUDIT_EVENT_NAMES = [
  'USER_LOGIN', 'USER_LOGOUT', 'USER_LOGIN_FAILED', 'PERMISSION_DENIED', 'ROLE_CHANGED',
  'DATA_ACCESSED', 'DATA_CREATED', 'DATA_UPDATED', 'DATA_DELETED', 'DATA_EXPORTED',
  'SECURITY_VIOLATION', 'CERTIFICATE_ISSUED', 'CERTIFICATE_REVOKED', 'CERTIFICATE_VALIDATED',
  'SERVICE_STARTED', 'SERVICE_STOPPED', 'SERVICE_ERROR', 'CONFIGURATION_CHANGED',
  'TRUST_ANCHORED', 'TRUST_REVOKED', 'COMPLIANCE_CHECKED', 'COMPLIANCE_VIOLATION',
] as const;
/**
 * Audit event types (`types.py`): the names, lowercased, with dots.
 *
 * @example
 * ```ts
 * await publisher.publishAuditEvent(AuditEventType.USER_LOGIN, 'login', 'user', { resourceId: 'u-1' });
 * ```
 */
export const AuditEventType: DottedEnum<(typeof AUDIT_EVENT_NAMES)[number]> = dottedEnum(AUDIT_EVENT_NAMES);
/** A value of {@link AuditEventType}. */
export type AuditEventType = (typeof AuditEventType)[keyof typeof AuditEventType];

/** The member names of {@link NotificationEventType}, in `types.py`'s order. */
// biome-ignore format: the names in rows, as in types.py
export const NOTIFICATION_EVENT_NAMES = [
  'USER_WELCOME', 'USER_PASSWORD_RESET', 'USER_ACCOUNT_LOCKED', 'CERTIFICATE_EXPIRING', 'CERTIFICATE_EXPIRED',
  'CERTIFICATE_RENEWAL_REQUIRED', 'SYSTEM_MAINTENANCE', 'SYSTEM_ALERT', 'BACKUP_COMPLETED', 'BACKUP_FAILED',
  'COMPLIANCE_REVIEW_DUE', 'AUDIT_REQUIRED', 'POLICY_UPDATED',
] as const;
/**
 * Notification event types (`types.py`): the names, lowercased, with dots.
 *
 * @example
 * ```ts
 * await publisher.publishNotificationEvent(NotificationEventType.USER_WELCOME, 'user', ['u-1'], 'Hi', 'Welcome!');
 * ```
 */
export const NotificationEventType: DottedEnum<(typeof NOTIFICATION_EVENT_NAMES)[number]> = dottedEnum(NOTIFICATION_EVENT_NAMES);
/** A value of {@link NotificationEventType}. */
export type NotificationEventType = (typeof NotificationEventType)[keyof typeof NotificationEventType];
