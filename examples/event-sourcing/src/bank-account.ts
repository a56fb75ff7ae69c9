// The bank account aggregate: its events, how they fold into a state, and the
// rules that turn a command into an event (or refuse it).
import type { EventEnvelope } from '@bus/core';

export interface Opened {
  owner: string;
}
export interface Moved {
  amount: number;
}

/** The state of one account, rebuilt from its events. */
export interface Account {
  open: boolean;
  owner: string;
  balance: number;
}

export const closedAccount = (): Account => ({ open: false, owner: '', balance: 0 });

/** Folds one event into the state: never mutates, so a snapshot can be shared. */
export function applyEvent(account: Account, event: EventEnvelope): Account {
  switch (event.type) {
    case 'account.opened':
      return { open: true, owner: (event.data as Opened).owner, balance: 0 };
    case 'account.deposited':
      return { ...account, balance: account.balance + (event.data as Moved).amount };
    case 'account.withdrawn':
      return { ...account, balance: account.balance - (event.data as Moved).amount };
    default:
      return account;
  }
}

/** A command the account refused: a business rule, not a technical failure. */
export class AccountRuleError extends Error {
  override readonly name = 'AccountRuleError';
}

export type Command = { kind: 'open'; owner: string } | { kind: 'deposit'; amount: number } | { kind: 'withdraw'; amount: number };

/** Decides which event a command produces on the current state. */
export function decide(account: Account, command: Command): { type: string; data: Opened | Moved } {
  if (command.kind === 'open') {
    if (account.open) throw new AccountRuleError('the account is already open');
    return { type: 'account.opened', data: { owner: command.owner } };
  }
  if (!account.open) throw new AccountRuleError('the account is not open');
  if (!(command.amount > 0)) throw new AccountRuleError('amounts must be positive');
  if (command.kind === 'withdraw' && command.amount > account.balance) {
    throw new AccountRuleError(`insufficient funds: balance €${account.balance}, asked €${command.amount}`);
  }
  return { type: command.kind === 'deposit' ? 'account.deposited' : 'account.withdrawn', data: { amount: command.amount } };
}
