/**
 * Upcasters: functions that bring the `data` of an old version of an event to
 * the next version. Per type they form one chain (v1 → v2 → v3) whose end is
 * the newest version; the chain is checked as it is built, so a broken one
 * fails at registration, not on the first old event.
 */
import type { EventEnvelope } from '@bus/core';
import { schemaInvalid } from './schema-invalid.js';
import { compareSchemaVersions } from './schema-version.js';

/**
 * One step of an upcaster chain: turns `data` of version `from` into `data`
 * of version `to`. It must be synchronous and should be pure: it runs on
 * every delivery of an old event, and again on every replay.
 *
 * @typeParam From - the shape of `data` at version `from`.
 * @typeParam To - the shape of `data` at version `to`.
 * @example
 * ```ts
 * const v1ToV2: Upcaster<{ total: number }, { total: { amount: number; currency: string } }> = {
 *   from: '1',
 *   to: '2',
 *   upcast: (data) => ({ total: { amount: data.total, currency: 'EUR' } }),
 * };
 * ```
 */
export interface Upcaster<From = unknown, To = unknown> {
  /** The version it reads. */
  readonly from: string;
  /** The version it makes; newer than `from`. */
  readonly to: string;
  /** Makes the `to` data from the `from` data; `event` is the event at version `from`. */
  upcast(data: From, event: EventEnvelope<From>): To;
}

/** The upcasters of one event type: at most one step out of each version, no cycles, one end. */
export class UpcasterChain {
  readonly #steps = new Map<string, Upcaster>();
  readonly #paths = new Map<string, readonly Upcaster[]>();
  #end: string | undefined;

  constructor(readonly type: string) {}

  /** The newest version: where every path ends. */
  get end(): string | undefined {
    return this.#end;
  }

  /** Adds `steps` all together, or none of them when the chain they make is broken. */
  add(steps: readonly Upcaster[]): void {
    const next = new Map(this.#steps);
    for (const step of steps) {
      this.#checkShape(step);
      const existing = next.get(step.from);
      if (existing !== undefined) {
        if (existing.to === step.to && existing.upcast === step.upcast) continue; // the same step again
        throw this.#broken(
          `'${this.type}' already has an upcaster from version '${step.from}' (to '${existing.to}'); a version has one step forward.`,
          step.from,
        );
      }
      next.set(step.from, step);
    }
    this.#checkNoCycle(next);
    for (const step of next.values()) {
      if (compareSchemaVersions(step.to, step.from) <= 0) {
        throw this.#broken(
          `The upcaster of '${this.type}' from '${step.from}' to '${step.to}' goes to an older version; upcasters go from older to newer versions.`,
          step.from,
        );
      }
    }
    const ends = [...new Set([...next.values()].map((step) => step.to))].filter((version) => !next.has(version));
    if (ends.length > 1) {
      ends.sort(compareSchemaVersions);
      throw this.#broken(
        `The upcasters of '${this.type}' do not form one chain: it ends at ${ends.map((end) => `'${end}'`).join(' and ')}. ` +
          `A step is missing: add an upcaster from '${ends[0]}' (or register the steps of a chain together).`,
        ends[0],
      );
    }
    this.#steps.clear();
    for (const [from, step] of next) this.#steps.set(from, step);
    this.#paths.clear();
    this.#end = ends[0];
  }

  /** The steps from `version` to the end; empty at the end; undefined when `version` is not in the chain. */
  path(version: string): readonly Upcaster[] | undefined {
    if (version === this.#end) return [];
    const cached = this.#paths.get(version);
    if (cached !== undefined) return cached;
    if (!this.#steps.has(version)) return undefined;
    const path: Upcaster[] = [];
    for (let step = this.#steps.get(version); step !== undefined; step = this.#steps.get(step.to)) path.push(step);
    this.#paths.set(version, path);
    return path;
  }

  /** The chain for messages: `'1' → '2' → '3'` (from the oldest start). */
  describe(): string {
    const starts = [...this.#steps.keys()].filter((from) => ![...this.#steps.values()].some((step) => step.to === from));
    return starts
      .sort(compareSchemaVersions)
      .map((start) => [start, ...(this.path(start) ?? []).map((step) => step.to)].map((version) => `'${version}'`).join(' → '))
      .join(', ');
  }

  #checkShape(step: Upcaster): void {
    if (typeof step !== 'object' || step === null) throw this.#broken(`An upcaster of '${this.type}' must be an object.`, undefined);
    if (typeof step.from !== 'string' || step.from.length === 0 || typeof step.to !== 'string' || step.to.length === 0) {
      throw this.#broken(`An upcaster of '${this.type}' needs non-empty string versions 'from' and 'to'.`, undefined);
    }
    if (typeof step.upcast !== 'function') {
      throw this.#broken(`The upcaster of '${this.type}' from '${step.from}' to '${step.to}' needs an upcast function.`, step.from);
    }
    if (step.from === step.to) {
      throw this.#broken(`The upcaster of '${this.type}' from '${step.from}' to '${step.to}' goes nowhere.`, step.from);
    }
  }

  #checkNoCycle(steps: ReadonlyMap<string, Upcaster>): void {
    const done = new Set<string>();
    for (const start of steps.keys()) {
      const walk: string[] = [];
      for (let version: string | undefined = start; version !== undefined; version = steps.get(version)?.to) {
        if (done.has(version)) break;
        const seen = walk.indexOf(version);
        if (seen >= 0) {
          const cycle = [...walk.slice(seen), version].map((v) => `'${v}'`).join(' → ');
          throw this.#broken(`The upcasters of '${this.type}' make a cycle: ${cycle}.`, version);
        }
        walk.push(version);
      }
      for (const version of walk) done.add(version);
    }
  }

  #broken(message: string, version: string | undefined): Error {
    return schemaInvalid('invalid-upcaster', this.type, version, message);
  }
}
