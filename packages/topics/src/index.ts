/**
 * `@bus/topics`: AMQP-style topic routing for the bus (`*` matches one word,
 * `#` zero or more) through a trie with a match cache, and ACLs on publish,
 * subscribe and delivery (principal, pattern, allow/deny; deny wins).
 *
 * @packageDocumentation
 */

export type { Acl, AclAction, AclEffect, AclOptions, AclRule, SubscribeAccess } from './acl.js';
export { createAcl, isAcl } from './acl.js';
export { matchTopic } from './match-topic.js';
export { patternCovers, patternsOverlap } from './pattern-relations.js';
export { hasWildcard, isTopicPattern, parsePattern, patternEndingAtHash } from './topic-pattern.js';
export type { TopicTrieOptions } from './topic-trie.js';
export { TopicTrie } from './topic-trie.js';
export type { TopicsExtension, TopicsOptions } from './topics-plugin.js';
export { topics } from './topics-plugin.js';
