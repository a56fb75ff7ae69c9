/** The nearest `.services/env.json` at or above `from` (default: process.cwd()). */
export declare function findServicesEnvFile(from?: string): string | undefined;

export interface ServicesEnv {
  /** Comma-separated host:port list (BUS_KAFKA_BROKERS); split on ',' for client options. */
  kafkaBrokers: string | undefined;
  /** postgres:// connection string (BUS_PG_URL). */
  pgUrl: string | undefined;
}

/**
 * Local test service locations: process.env (BUS_KAFKA_BROKERS, BUS_PG_URL) first, then the
 * nearest `.services/env.json` written by `node scripts/services.mjs up`. Fields are
 * undefined when unavailable.
 */
export declare function readServicesEnv(options?: { cwd?: string; env?: NodeJS.ProcessEnv }): ServicesEnv;
