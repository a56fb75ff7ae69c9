// The shape of the events the two services exchange.
export interface OrderPlaced {
  readonly orderId: string;
  readonly customer: string;
  readonly total: number;
}

export const ORDER_PLACED = 'orders.placed';
