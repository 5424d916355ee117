/**
 * The inventory service (the back end of the microservices example).
 *
 *   node examples/microservices/dist/src/inventory-server.js <port>
 *
 * Prints `inventory listening <port>`, then one `inventory: <method> <sku> trace=<id> from=<caller>` line per
 * call, showing the metadata the orders service passed on.
 */
import { createServer, shutdownOnSignals, type ServerContext } from '@thriftpoll/rpc';
import { KitexIntKey } from '@thriftpoll/transport';
import { Inventory, OutOfStock, UnknownSku, type InventoryHandler, type Item } from '../gen/inventory';

/** In-memory stock. */
export class StockKeeper implements InventoryHandler<ServerContext> {
  private readonly items = new Map<string, Item>([
    ['book-1', { sku: 'book-1', title: 'The Thrift Book', stock: 5, priceCents: 2999n }],
    ['mug-7', { sku: 'mug-7', title: 'RPC Mug', stock: 1, priceCents: 1250n }],
  ]);

  getItem(sku: string, ctx: ServerContext): Item {
    log('getItem', sku, ctx);
    return { ...this.find(sku) };
  }

  reserve(sku: string, quantity: number, ctx: ServerContext): Item {
    log('reserve', sku, ctx);
    const item = this.find(sku);
    if (quantity > item.stock) throw new OutOfStock({ sku, requested: quantity, available: item.stock });
    item.stock -= quantity;
    return { ...item };
  }

  private find(sku: string): Item {
    const item = this.items.get(sku);
    if (item === undefined) throw new UnknownSku({ sku });
    return item;
  }
}

function log(method: string, sku: string, ctx: ServerContext): void {
  const caller = ctx.requestMetadata.getInt(KitexIntKey.FromService) ?? 'unknown';
  const budget = ctx.deadline === undefined ? 'none' : `${Math.max(0, ctx.deadline - Date.now())}ms`;
  process.stdout.write(`inventory: ${method} ${sku} trace=${ctx.requestHeaders['trace-id'] ?? '-'} from=${caller} deadline=${budget}\n`);
}

async function main(): Promise<void> {
  // --metrics: /metrics and /healthz on the RPC port.
  const server = createServer({ service: Inventory, handler: new StockKeeper(), metrics: process.argv.includes('--metrics') });
  const address = await server.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
  shutdownOnSignals(server, { timeout: 5000 });
  process.stdout.write(`inventory listening ${'port' in address ? address.port : address.path}\n`);
}

void main();
