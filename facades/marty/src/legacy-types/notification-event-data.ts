/** `NotificationEventData` of `types.py`: the payload of a notification event. */
import { NotificationEventType } from '../enums.js';
import { assignFields, type FieldsOf } from '../fields.js';
import { oneOf, snakeJSON } from './event-priority.js';

/**
 * The optional fields of {@link NotificationEventData}.
 *
 * @example
 * ```ts
 * const fields: NotificationEventDataFields = { recipientIds: ['u-1'], channels: ['email', 'sms'] };
 * ```
 */
export type NotificationEventDataFields = FieldsOf<NotificationEventData, 'eventType' | 'recipientType' | 'subject' | 'message'>;

/**
 * The payload of a notification event.
 *
 * @example
 * ```ts
 * const data = new NotificationEventData(NotificationEventType.USER_WELCOME, 'user', 'Welcome', 'Hello!', { recipientIds: ['u-1'] });
 * ```
 */
export class NotificationEventData {
  /** The notification type. */
  eventType: NotificationEventType;
  /** `user`, `admin` or `system`. */
  recipientType: string;
  /** The recipients. */
  recipientIds: string[] = [];
  /** Subject. */
  subject: string;
  /** Message. */
  message: string;
  /** Message template. */
  messageTemplate: string | null = null;
  /** Template variables. */
  templateVariables: Record<string, unknown> = {};
  /** Delivery channels: `email`, `sms`, `push`, `webhook`. */
  channels: string[] = ['email'];
  /** When to deliver. */
  deliveryTime: Date | null = null;
  /** When it expires. */
  expiryTime: Date | null = null;
  /** Action URL. */
  actionUrl: string | null = null;
  /** Action label. */
  actionLabel: string | null = null;
  /** Attachments. */
  attachments: string[] = [];

  constructor(
    eventType: NotificationEventType,
    recipientType: string,
    subject: string,
    message: string,
    fields: NotificationEventDataFields = {},
  ) {
    this.eventType = oneOf(eventType, NotificationEventType, 'NotificationEventType');
    this.recipientType = recipientType;
    this.subject = subject;
    this.message = message;
    assignFields(this, fields);
  }

  /**
   * Pydantic's `.dict()` in JSON form: snake_case keys, `isoformat()` times.
   *
   * @example
   * ```ts
   * data.toJSON().recipient_ids; // ['u-1']
   * ```
   */
  toJSON(): Record<string, unknown> {
    return snakeJSON(this);
  }
}
