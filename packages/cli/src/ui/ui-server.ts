/** Serves the web view on 127.0.0.1 with `@hono/node-server`. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** A running web view. */
export interface UiServer {
  /** Where it listens, e.g. `http://127.0.0.1:4700`. */
  readonly url: string;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on `host` (default 127.0.0.1: the view is for the operator's machine) and `port` (0 picks a free one).
 *
 * @example
 * ```ts
 * const server = await serveUi(createUiApp({ outbox: store }), { port: 4700 });
 * ```
 */
export function serveUi(app: Hono, options: { readonly port?: number; readonly host?: string } = {}): Promise<UiServer> {
  const hostname = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname }, (info: AddressInfo) => {
      resolve({
        url: `http://${hostname}:${info.port}`,
        close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
      });
    });
    server.once('error', reject);
  });
}
