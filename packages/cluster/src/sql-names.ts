/**
 * The tables of a lease elector: one set per schema and prefix, shared by
 * every election of that database (rows are keyed by the election's name).
 */
import { BusError } from '@bus/core';

/** The table names of one lease database. */
export interface ClusterTables {
  readonly leases: string;
  readonly members: string;
  readonly state: string;
  readonly stateHeads: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/** Checks an identifier given in options (it is spliced into SQL). */
export function identifier(value: string, option: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new BusError(
      'CONFIG_INVALID',
      `${option} must be a lowercase SQL identifier (a-z, 0-9, _; at most 41 characters), got '${value}'.`,
    );
  }
  return value;
}

/** The tables for `prefix`, qualified by `schema` when given. */
export function clusterTables(prefix: string, schema?: string): ClusterTables {
  const qualify = (name: string) => (schema === undefined ? name : `"${schema}".${name}`);
  return {
    leases: qualify(`${prefix}_leases`),
    members: qualify(`${prefix}_members`),
    state: qualify(`${prefix}_state`),
    stateHeads: qualify(`${prefix}_state_heads`),
  };
}
