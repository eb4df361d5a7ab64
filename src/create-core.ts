/**
 * Wiring the command core to its stores: the one place that knows both src/app (which sees only
 * ports) and src/stores (the SQL behind them). Entry points and tests give a database and get the
 * core on the SQL stores; a test that wants no database gives `stores` instead.
 */
import { createCommandCore, type Core, type CoreDeps } from './app/core.js';
import type { Database } from './db/database.js';
import { createStores } from './stores/create-stores.js';

export type CoreOptions = Omit<CoreDeps, 'stores'> & {
  /** The service's public URL (PUBLIC_BASE_URL): charts in chat replies are linked under it. */
  publicBaseUrl?: string;
} & ({ db: Database; stores?: CoreDeps['stores'] } | { db?: undefined; stores: CoreDeps['stores'] });

export function createCore(options: CoreOptions): Core {
  const { db, stores, publicBaseUrl, ...deps } = options;
  if (stores) return createCommandCore({ ...deps, stores });
  if (!db) throw new Error('createCore needs a database, or the stores to use instead');
  return createCommandCore({ ...deps, stores: createStores(db, publicBaseUrl ? { publicBaseUrl } : {}) });
}
