/**
 * One JSON Lines log file of the file backend: its name, the line format, and
 * reading it back after a crash.
 *
 * Each line is one stored event. An append of several events writes them in
 * one `write`; every line but the last of that append carries `"more":true`,
 * so a reader can tell a whole append from a torn one and keep appends atomic.
 */
import { gunzipSync } from 'node:zlib';
import type { EventEnvelope } from '@bus/core';
import type { StoredEvent } from './event-store.js';

/** `events_YYYYMMDD.jsonl`, optionally `.gz`. */
export const LOG_FILE = /^events_(\d{8})\.jsonl(\.gz)?$/;

/** The UTC day of `millis`, as `YYYYMMDD`. */
export function dayOf(millis: number): string {
  return new Date(millis).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The file name of a day's log. */
export function logFileName(day: string, compressed: boolean): string {
  return `events_${day}.jsonl${compressed ? '.gz' : ''}`;
}

/** One line of the log, as {@link formatAppend} writes it. */
interface LogLine {
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  readonly storedAt: string;
  readonly event: EventEnvelope;
  readonly more?: true;
}

/** The lines of one append (`more` on all but the last), each ending in a newline. */
export function formatAppend(records: readonly StoredEvent[]): string {
  let text = '';
  const last = records.length - 1;
  for (let index = 0; index <= last; index++) {
    const record = records[index] as StoredEvent;
    // Built by hand rather than from an object: this runs for every event appended.
    text += `{"position":${record.position},"stream":${JSON.stringify(record.stream)},"version":${record.version},"storedAt":"${record.storedAt}","event":${JSON.stringify(record.event)}${index < last ? ',"more":true' : ''}}\n`;
  }
  return text;
}

/** What reading one file found. */
export interface ParsedLogFile {
  /** The records of whole appends, in file order. */
  readonly records: StoredEvent[];
  /** Problems met, as readable sentences. */
  readonly warnings: string[];
  /**
   * Where the last whole append ends, in bytes, when something unreadable
   * follows it (a torn write): the file should be cut there before appending.
   * Undefined when the file ends cleanly.
   */
  readonly truncateAt: number | undefined;
}

/** Reads a log file's bytes (gzipped when `compressed`); never throws on bad content. */
export function parseLogFile(name: string, bytes: Buffer, compressed: boolean): ParsedLogFile {
  const warnings: string[] = [];
  let text: string;
  try {
    text = (compressed ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (error) {
    return {
      records: [],
      warnings: [`${name} could not be decompressed (${(error as Error).message}); its events are skipped.`],
      truncateAt: undefined,
    };
  }
  const records: StoredEvent[] = [];
  let pending: StoredEvent[] = [];
  /** Character offset after the last whole append. */
  let cleanEnd = 0;
  /** Whether anything unreadable or incomplete follows `cleanEnd`. */
  let dirtyTail = false;
  let start = 0;
  let lineNumber = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    lineNumber++;
    const lineStart = start;
    start = end + 1;
    if (end === lineStart) {
      if (pending.length === 0) cleanEnd = Math.min(start, text.length);
      continue;
    }
    const line = parseLine(text.slice(lineStart, end));
    if (line === undefined) {
      warnings.push(
        newline === -1
          ? `${name}: line ${lineNumber} is cut short (${Buffer.byteLength(text.slice(lineStart))} bytes, no newline): a write interrupted by a crash; skipped.`
          : `${name}: line ${lineNumber} is not a stored event; skipped.`,
      );
      if (pending.length > 0) {
        warnings.push(`${name}: the append before line ${lineNumber} is incomplete; its ${pending.length} event(s) are skipped.`);
        pending = [];
      }
      dirtyTail = true;
      continue;
    }
    pending.push({ stream: line.stream, version: line.version, position: line.position, storedAt: line.storedAt, event: line.event });
    if (line.more !== true) {
      for (const record of pending) records.push(record);
      pending = [];
      cleanEnd = Math.min(start, text.length);
      dirtyTail = false;
    }
  }
  if (pending.length > 0) {
    warnings.push(`${name}: the last append is incomplete (a crash while writing it); its ${pending.length} event(s) are skipped.`);
    dirtyTail = true;
  }
  // The text before `cleanEnd` is whole lines of valid UTF-8, so its byte length is exact.
  return { records, warnings, truncateAt: dirtyTail && !compressed ? Buffer.byteLength(text.slice(0, cleanEnd)) : undefined };
}

function parseLine(raw: string): LogLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const line = value as Partial<LogLine> | null;
  if (
    typeof line !== 'object' ||
    line === null ||
    typeof line.position !== 'number' ||
    typeof line.stream !== 'string' ||
    typeof line.version !== 'number' ||
    typeof line.storedAt !== 'string' ||
    typeof line.event !== 'object' ||
    line.event === null ||
    typeof (line.event as { id?: unknown }).id !== 'string'
  ) {
    return undefined;
  }
  return line as LogLine;
}
