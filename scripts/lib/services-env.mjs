// Where the local test services are: process.env first (BUS_KAFKA_BROKERS, BUS_PG_URL, as
// set by scripts/run-tests.mjs), then the nearest .services/env.json written by
// `node scripts/services.mjs up`, found by walking up from the working directory.
// Plain Node ESM (node:* only) so packages can import it from tests without a build step.

import fs from 'node:fs';
import path from 'node:path';

/** @returns {string | undefined} the path of the nearest .services/env.json above `from` */
export function findServicesEnvFile(from = process.cwd()) {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, '.services', 'env.json');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {{ kafkaBrokers: string | undefined, pgUrl: string | undefined }}
 *   kafkaBrokers is a comma-separated host:port list (split on ',' for client options).
 */
export function readServicesEnv(options = {}) {
  const env = options.env ?? process.env;
  let kafkaBrokers = env.BUS_KAFKA_BROKERS || undefined;
  let pgUrl = env.BUS_PG_URL || undefined;
  if (!kafkaBrokers || !pgUrl) {
    const file = findServicesEnvFile(options.cwd);
    if (file) {
      try {
        const json = JSON.parse(fs.readFileSync(file, 'utf8'));
        kafkaBrokers ??= typeof json.BUS_KAFKA_BROKERS === 'string' && json.BUS_KAFKA_BROKERS ? json.BUS_KAFKA_BROKERS : undefined;
        pgUrl ??= typeof json.BUS_PG_URL === 'string' && json.BUS_PG_URL ? json.BUS_PG_URL : undefined;
      } catch {
        // unreadable or half-written file: treat as absent
      }
    }
  }
  return { kafkaBrokers, pgUrl };
}
