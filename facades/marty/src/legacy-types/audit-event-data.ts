/** `AuditEventData` of `types.py`: the payload of an audit event. */
import { AuditEventType } from '../enums.js';
import { oneOf } from './event-priority.js';
import { snakeJSON } from './snake-json.js';

/**
 * The optional fields of {@link AuditEventData}.
 *
 * @example
 * ```ts
 * const fields: AuditEventDataFields = { resourceId: 'u-1', complianceTags: ['gdpr'], riskLevel: 'medium' };
 * ```
 */
export interface AuditEventDataFields {
  /** Default `null`. */
  readonly resourceId?: string | null | undefined;
  /** Default `{}`. */
  readonly operationDetails?: Record<string, unknown> | undefined;
  /** Default `null`. */
  readonly previousState?: Record<string, unknown> | null | undefined;
  /** Default `null`. */
  readonly newState?: Record<string, unknown> | null | undefined;
  /** Default `{}`. */
  readonly securityContext?: Record<string, unknown> | undefined;
  /** Default `true`. */
  readonly success?: boolean | undefined;
  /** Default `null`. */
  readonly errorMessage?: string | null | undefined;
  /** Default `null`. */
  readonly errorCode?: string | null | undefined;
  /** Default `[]`. */
  readonly complianceTags?: string[] | undefined;
  /** `low`, `medium`, `high` or `critical`; default `'low'`. */
  readonly riskLevel?: string | undefined;
}

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
  resourceId: string | null;
  /** Details of the operation. */
  operationDetails: Record<string, unknown>;
  /** State before. */
  previousState: Record<string, unknown> | null;
  /** State after. */
  newState: Record<string, unknown> | null;
  /** Security context. */
  securityContext: Record<string, unknown>;
  /** Whether the operation succeeded. */
  success: boolean;
  /** Error message. */
  errorMessage: string | null;
  /** Error code. */
  errorCode: string | null;
  /** Compliance tags. */
  complianceTags: string[];
  /** Risk level. */
  riskLevel: string;

  constructor(eventType: AuditEventType, action: string, resourceType: string, fields: AuditEventDataFields = {}) {
    this.eventType = oneOf(eventType, AuditEventType, 'AuditEventType');
    this.action = action;
    this.resourceType = resourceType;
    this.resourceId = fields.resourceId ?? null;
    this.operationDetails = fields.operationDetails ?? {};
    this.previousState = fields.previousState ?? null;
    this.newState = fields.newState ?? null;
    this.securityContext = fields.securityContext ?? {};
    this.success = fields.success ?? true;
    this.errorMessage = fields.errorMessage ?? null;
    this.errorCode = fields.errorCode ?? null;
    this.complianceTags = fields.complianceTags ?? [];
    this.riskLevel = fields.riskLevel ?? 'low';
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
