/** `AuditEventData` of `types.py`: the payload of an audit event. */
import { AuditEventType } from '../enums.js';
import { assignFields, type FieldsOf } from '../fields.js';
import { oneOf, snakeJSON } from './event-priority.js';

/**
 * The optional fields of {@link AuditEventData}.
 *
 * @example
 * ```ts
 * const fields: AuditEventDataFields = { resourceId: 'u-1', complianceTags: ['gdpr'], riskLevel: 'medium' };
 * ```
 */
export type AuditEventDataFields = FieldsOf<AuditEventData, 'eventType' | 'action' | 'resourceType'>;

/**
 * The payload of an audit event.
 *
 * @example
 * ```ts
 * const data = new AuditEventData(AuditEventType.DATA_UPDATED, 'update', 'user', { resourceId: 'u-1' });
 * data.toJSON().resource_type; // 'user'
 * ```
 */
export class AuditEventData {
  /** The audit event type. */
  eventType: AuditEventType;
  /** The action. */
  action: string;
  /** The resource type. */
  resourceType: string;
  /** The resource id. */
  resourceId: string | null = null;
  /** Details of the operation. */
  operationDetails: Record<string, unknown> = {};
  /** State before. */
  previousState: Record<string, unknown> | null = null;
  /** State after. */
  newState: Record<string, unknown> | null = null;
  /** Security context. */
  securityContext: Record<string, unknown> = {};
  /** Whether the operation succeeded. */
  success = true;
  /** Error message. */
  errorMessage: string | null = null;
  /** Error code. */
  errorCode: string | null = null;
  /** Compliance tags. */
  complianceTags: string[] = [];
  /** Risk level: `low`, `medium`, `high` or `critical`. */
  riskLevel = 'low';

  constructor(eventType: AuditEventType, action: string, resourceType: string, fields: AuditEventDataFields = {}) {
    this.eventType = oneOf(eventType, AuditEventType, 'AuditEventType');
    this.action = action;
    this.resourceType = resourceType;
    assignFields(this, fields);
  }

  /**
   * Pydantic's `.dict()` in JSON form: snake_case keys, the event type's value.
   *
   * @example
   * ```ts
   * data.toJSON(); // { event_type: 'data.updated', action: 'update', resource_type: 'user', … }
   * ```
   */
  toJSON(): Record<string, unknown> {
    return snakeJSON(this);
  }
}
