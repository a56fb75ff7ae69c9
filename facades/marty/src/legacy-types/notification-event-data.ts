/** `NotificationEventData` of `types.py`: the payload of a notification event. */
import { NotificationEventType } from '../enums.js';
import { parseIsoformat } from '../python-time.js';
import { oneOf } from './event-priority.js';
import { snakeJSON } from './snake-json.js';

/**
 * The optional fields of {@link NotificationEventData}.
 *
 * @example
 * ```ts
 * const fields: NotificationEventDataFields = { recipientIds: ['u-1'], channels: ['email', 'sms'] };
 * ```
 */
export interface NotificationEventDataFields {
  /** Default `[]`. */
  readonly recipientIds?: string[] | undefined;
  /** Default `null`. */
  readonly messageTemplate?: string | null | undefined;
  /** Default `{}`. */
  readonly templateVariables?: Record<string, unknown> | undefined;
  /** `email`, `sms`, `push`, `webhook`; default `['email']`. */
  readonly channels?: string[] | undefined;
  /** Default `null`. */
  readonly deliveryTime?: Date | string | null | undefined;
  /** Default `null`. */
  readonly expiryTime?: Date | string | null | undefined;
  /** Default `null`. */
  readonly actionUrl?: string | null | undefined;
  /** Default `null`. */
  readonly actionLabel?: string | null | undefined;
  /** Default `[]`. */
  readonly attachments?: string[] | undefined;
}

const time = (value: Date | string | null | undefined, what: string) =>
  value === null || value === undefined ? null : parseIsoformat(value, what);

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
  recipientIds: string[];
  /** Subject. */
  subject: string;
  /** Message. */
  message: string;
  /** Message template. */
  messageTemplate: string | null;
  /** Template variables. */
  templateVariables: Record<string, unknown>;
  /** Delivery channels. */
  channels: string[];
  /** When to deliver. */
  deliveryTime: Date | null;
  /** When it expires. */
  expiryTime: Date | null;
  /** Action URL. */
  actionUrl: string | null;
  /** Action label. */
  actionLabel: string | null;
  /** Attachments. */
  attachments: string[];

  constructor(
    eventType: NotificationEventType,
    recipientType: string,
    subject: string,
    message: string,
    fields: NotificationEventDataFields = {},
  ) {
    this.eventType = oneOf(eventType, NotificationEventType, 'NotificationEventType');
    this.recipientType = recipientType;
    this.recipientIds = fields.recipientIds ?? [];
    this.subject = subject;
    this.message = message;
    this.messageTemplate = fields.messageTemplate ?? null;
    this.templateVariables = fields.templateVariables ?? {};
    this.channels = fields.channels ?? ['email'];
    this.deliveryTime = time(fields.deliveryTime, 'deliveryTime');
    this.expiryTime = time(fields.expiryTime, 'expiryTime');
    this.actionUrl = fields.actionUrl ?? null;
    this.actionLabel = fields.actionLabel ?? null;
    this.attachments = fields.attachments ?? [];
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
