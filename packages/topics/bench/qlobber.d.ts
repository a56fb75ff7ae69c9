// qlobber ships no types; this declares the part the benchmark uses.
declare module 'qlobber' {
  /** Options of the Qlobber constructor (see qlobber's README). */
  export interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
    cache_splits?: number;
    max_words?: number;
    max_wildcard_somes?: number;
  }
  /** qlobber's trie: `match` returns a new array (duplicates possible). */
  export class Qlobber<V = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    match(topic: string): V[];
  }
}
