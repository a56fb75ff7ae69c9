/**
 * The kernel's services for code that holds a bus instead of being a plugin:
 * a facade that builds a bus and must report failures, drops and dead
 * letters through it the way plugins do.
 */
import type { Bus } from './bus-api.js';
import { BusError } from './errors.js';
import { definePlugin, type Kernel } from './plugin.js';

/**
 * Adds a plugin named `name` to `bus` that does nothing but hand over its
 * {@link Kernel}, and returns it: `report`, `drop`, `failDelivery`,
 * `observe` and the logger, for a wrapper around the bus. Call it before
 * `start()` (like `use`); the name shows in `bus.plugins`.
 *
 * @example
 * ```ts
 * const bus = createBus({ logger });
 * const kernel = kernelOf(bus, 'legacy-facade');
 * kernel.report(new Error('disk full'), 'STORE_FAILED'); // bus.events 'error', logged when unhandled
 * ```
 */
export function kernelOf(bus: Bus, name: string): Kernel {
  let kernel: Kernel | undefined;
  bus.use(
    definePlugin({
      name,
      setup(given) {
        kernel = given;
      },
    }),
  );
  if (kernel === undefined) throw new BusError('PLUGIN_INVALID', `kernelOf(bus, '${name}'): the plugin was not set up.`);
  return kernel;
}
