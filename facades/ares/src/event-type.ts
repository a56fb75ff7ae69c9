/**
 * The Ares enums `EventType` and `EventStatus`: frozen objects of string
 * constants with the legacy member names and values, plus a same-named union
 * type, so `EventType.TRADE_EXECUTED === 'trade_executed'`.
 */

/**
 * The event types of the trading system. Each value is the member name in
 * snake_case, as in the legacy Python enum; it is also the bus routing key.
 *
 * @example
 * ```ts
 * await ares.publish(EventType.TRADE_EXECUTED, { symbol: 'BTCUSDT', side: 'buy', quantity: 1, price: 50_000 });
 * EventType.TRADE_EXECUTED === 'trade_executed'; // true
 * ```
 */
export const EventType = Object.freeze({
  MARKET_DATA_RECEIVED: 'market_data_received',
  ANALYSIS_COMPLETED: 'analysis_completed',
  STRATEGY_FORMULATED: 'strategy_formulated',
  TRADE_DECISION_MADE: 'trade_decision_made',
  TRADE_EXECUTED: 'trade_executed',
  RISK_ALERT: 'risk_alert',
  PERFORMANCE_UPDATE: 'performance_update',
  MODEL_UPDATED: 'model_updated',
  SYSTEM_ERROR: 'system_error',
  COMPONENT_STARTED: 'component_started',
  COMPONENT_STOPPED: 'component_stopped',
  SYSTEM_HEALTH_CHECK: 'system_health_check',
  CONFIGURATION_CHANGED: 'configuration_changed',
  SNAPSHOT_CREATED: 'snapshot_created',
} as const);

/**
 * One of the {@link EventType} values.
 *
 * @example
 * ```ts
 * const type: EventType = EventType.RISK_ALERT;
 * ```
 */
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * Where an event is in its processing. Values are lowercase, as in the legacy enum.
 *
 * @example
 * ```ts
 * if (event.metadata.status === EventStatus.FAILED) console.warn(`${event.metadata.eventId} failed`);
 * ```
 */
export const EventStatus = Object.freeze({
  PENDING: 'pending',
  PROCESSING: 'processing',
  PROCESSED: 'processed',
  FAILED: 'failed',
  RETRYING: 'retrying',
} as const);

/**
 * One of the {@link EventStatus} values.
 *
 * @example
 * ```ts
 * const status: EventStatus = EventStatus.PROCESSED;
 * ```
 */
export type EventStatus = (typeof EventStatus)[keyof typeof EventStatus];

const EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(EventType));
const STATUSES: ReadonlySet<string> = new Set(Object.values(EventStatus));

/** Whether `value` is one of the {@link EventType} values. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && EVENT_TYPES.has(value);
}

/**
 * The {@link EventStatus} that `value` names: a value (`'processed'`), or the
 * `EventStatus.PROCESSED` text that Python's `json.dumps(default=str)` wrote
 * for an enum member in legacy files. Undefined when it names none.
 */
export function toEventStatus(value: unknown): EventStatus | undefined {
  if (typeof value !== 'string') return undefined;
  if (STATUSES.has(value)) return value as EventStatus;
  const member = /^EventStatus\.([A-Z]+)$/.exec(value)?.[1];
  return member !== undefined && Object.hasOwn(EventStatus, member) ? EventStatus[member as keyof typeof EventStatus] : undefined;
}
