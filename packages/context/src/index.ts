/**
 * `@bus/context`: AsyncLocalStorage context for the bus. Correlation and
 * causation ids flow from the event being handled into every event it
 * publishes; tenant, user and custom fields flow with them.
 *
 * @packageDocumentation
 */

export type { ContextPluginOptions } from './context-plugin.js';
export { CONTEXT_HANDLE_ORDER, context } from './context-plugin.js';
export { currentContext, enterContext, withContext } from './context-storage.js';
export type { BusContext, ContextValues } from './context-values.js';
