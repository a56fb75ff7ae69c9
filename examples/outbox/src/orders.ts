// The shape of the event the two services exchange.

/** An order was written: the orders service's `orders.created` event. */
export interface OrderCreated {
  readonly orderId: string;
  readonly customer: string;
  /** In cents. */
  readonly totalCents: number;
}

export const ORDER_CREATED = 'orders.created';
