/** How `bus dlq` prints one dead letter: a JSON object for scripts, a table row or a page for people. */
import type { OutboxDeadLetter } from '@bus/outbox';
import { deadLetterErrorCode } from '../dead-letter-filter.js';
import { viewEnvelope } from '../envelope-view.js';

/** A dead letter as `--json` prints it. */
export function deadLetterJson(row: OutboxDeadLetter): Record<string, unknown> {
  const view = viewEnvelope(row.envelope);
  return {
    seq: row.seq,
    id: row.envelope.id,
    type: row.envelope.type,
    key: typeof row.envelope.partitionkey === 'string' ? row.envelope.partitionkey : null,
    attempts: row.attempts,
    lastError: row.lastError,
    errorCode: deadLetterErrorCode(row) ?? null,
    createdAt: new Date(row.createdAt).toISOString(),
    failedAt: new Date(row.failedAt).toISOString(),
    event: view.event,
    dataEncoding: view.dataEncoding,
    ...(view.decodeError === undefined ? {} : { decodeError: view.decodeError }),
  };
}

/** The columns of `bus dlq list`. */
export const DEAD_LETTER_COLUMNS = ['SEQ', 'EVENT ID', 'TYPE', 'KEY', 'ATTEMPTS', 'FAILED AT', 'LAST ERROR'] as const;

/** A row of `bus dlq list`. */
export function deadLetterRow(row: OutboxDeadLetter): string[] {
  const key = row.envelope.partitionkey;
  return [
    String(row.seq),
    row.envelope.id,
    row.envelope.type,
    typeof key === 'string' ? key : '-',
    String(row.attempts),
    new Date(row.failedAt).toISOString(),
    row.lastError,
  ];
}

/** The page of `bus dlq show`. */
export function deadLetterPage(row: OutboxDeadLetter): string {
  const view = viewEnvelope(row.envelope);
  const { data, ...attributes } = view.event;
  const lines = [
    `seq          ${row.seq}`,
    `event id     ${row.envelope.id}`,
    `type         ${row.envelope.type}`,
    `attempts     ${row.attempts}`,
    `written at   ${new Date(row.createdAt).toISOString()}`,
    `failed at    ${new Date(row.failedAt).toISOString()}`,
    `last error   ${row.lastError}`,
    '',
    'attributes',
    ...Object.entries(attributes).map(
      ([name, value]) => `  ${name.padEnd(16)} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    ),
    '',
    `data (${view.dataEncoding === 'decoded' ? (row.envelope.datacontenttype ?? 'decoded') : view.dataEncoding})`,
    view.dataEncoding === 'none'
      ? '  (none)'
      : indent(typeof data === 'string' && view.dataEncoding !== 'decoded' ? data : JSON.stringify(data, null, 2)),
  ];
  if (view.decodeError !== undefined) lines.push('', `could not decode: ${view.decodeError}`);
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
