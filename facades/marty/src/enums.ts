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

/**
 * Audit event types (`types.py`): the names, lowercased, with dots.
 *
 * @example
 * ```ts
 * await publisher.publishAuditEvent(AuditEventType.USER_LOGIN, 'login', 'user', { resourceId: 'u-1' });
 * ```
 */
export const AuditEventType = Object.freeze({
  USER_LOGIN: 'user.login',
  USER_LOGOUT: 'user.logout',
  USER_LOGIN_FAILED: 'user.login.failed',
  PERMISSION_DENIED: 'permission.denied',
  ROLE_CHANGED: 'role.changed',
  DATA_ACCESSED: 'data.accessed',
  DATA_CREATED: 'data.created',
  DATA_UPDATED: 'data.updated',
  DATA_DELETED: 'data.deleted',
  DATA_EXPORTED: 'data.exported',
  SECURITY_VIOLATION: 'security.violation',
  CERTIFICATE_ISSUED: 'certificate.issued',
  CERTIFICATE_REVOKED: 'certificate.revoked',
  CERTIFICATE_VALIDATED: 'certificate.validated',
  SERVICE_STARTED: 'service.started',
  SERVICE_STOPPED: 'service.stopped',
  SERVICE_ERROR: 'service.error',
  CONFIGURATION_CHANGED: 'configuration.changed',
  TRUST_ANCHORED: 'trust.anchored',
  TRUST_REVOKED: 'trust.revoked',
  COMPLIANCE_CHECKED: 'compliance.checked',
  COMPLIANCE_VIOLATION: 'compliance.violation',
} as const);
/** A value of {@link AuditEventType}. */
export type AuditEventType = (typeof AuditEventType)[keyof typeof AuditEventType];

/**
 * Notification event types (`types.py`): the names, lowercased, with dots.
 *
 * @example
 * ```ts
 * await publisher.publishNotificationEvent(NotificationEventType.USER_WELCOME, 'user', ['u-1'], 'Hi', 'Welcome!');
 * ```
 */
export const NotificationEventType = Object.freeze({
  USER_WELCOME: 'user.welcome',
  USER_PASSWORD_RESET: 'user.password.reset',
  USER_ACCOUNT_LOCKED: 'user.account.locked',
  CERTIFICATE_EXPIRING: 'certificate.expiring',
  CERTIFICATE_EXPIRED: 'certificate.expired',
  CERTIFICATE_RENEWAL_REQUIRED: 'certificate.renewal.required',
  SYSTEM_MAINTENANCE: 'system.maintenance',
  SYSTEM_ALERT: 'system.alert',
  BACKUP_COMPLETED: 'backup.completed',
  BACKUP_FAILED: 'backup.failed',
  COMPLIANCE_REVIEW_DUE: 'compliance.review.due',
  AUDIT_REQUIRED: 'audit.required',
  POLICY_UPDATED: 'policy.updated',
} as const);
/** A value of {@link NotificationEventType}. */
export type NotificationEventType = (typeof NotificationEventType)[keyof typeof NotificationEventType];
