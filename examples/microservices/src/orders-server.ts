/**
 * The orders service (the front end of the microservices example). Every order calls the inventory service
 * through a pooled, multiplexed TTHeader client, passing the caller's metadata on:
 *
 *   - the `trace-id` header travels to the inventory service (and back into the order);
 *   - the caller's deadline bounds the inventory call (ctx.remaining() as its timeout), and arrives there as
 *     the TTHeader RPCTimeout;
 *   - `FromService: orders` tells the inventory who calls.
 *
 *   node examples/microservices/dist/src/orders-server.js <port> <inventory port>
 */
import { createClient, createServer, shutdownOnSignals, type Middleware, type ServerContext } from '@thriftpoll/rpc';
import { Inventory, OutOfStock, UnknownSku, type InventoryClient } from '../gen/inventory';
import { Orders, OrderRejected, type Order, type OrderRequest, type OrdersHandler } from '../gen/orders';

/** Headers a service passes on to the services it calls. */
const PROPAGATED = ['trace-id', 'tenant'];

function propagated(ctx: ServerContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of PROPAGATED) {
    const value = ctx.requestHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

export class OrdersService implements OrdersHandler<ServerContext> {
  private sequence = 0;

  constructor(private readonly inventory: InventoryClient) {}

  async placeOrder(request: OrderRequest, ctx: ServerContext): Promise<Order> {
    if (request.quantity <= 0) throw new OrderRejected({ reason: `quantity must be positive, got ${request.quantity}` });
    try {
      const item = await this.inventory.reserve(request.sku, request.quantity, {
        headers: propagated(ctx),
        // Never wait longer than our own caller does.
        timeout: Number.isFinite(ctx.remaining()) ? Math.max(1, ctx.remaining()) : 2000,
        signal: ctx.signal,
      });
      return {
        id: `order-${++this.sequence}`,
        item,
        quantity: request.quantity,
        totalCents: item.priceCents * BigInt(request.quantity),
        traceId: ctx.requestHeaders['trace-id'] ?? '',
      };
    } catch (error) {
      if (error instanceof OutOfStock) throw new OrderRejected({ reason: `only ${error.available} of ${error.sku} left, ${error.requested} requested` });
      if (error instanceof UnknownSku) throw new OrderRejected({ reason: `no such item: ${error.sku}` });
      throw error;
    }
  }
}

/** Logs every call with its outcome and duration. */
const accessLog: Middleware<ServerContext> = async (ctx, next) => {
  await next();
  const outcome = ctx.error === undefined ? 'ok' : ctx.error instanceof Error ? ctx.error.name : 'error';
  process.stdout.write(`orders: ${ctx.method} trace=${ctx.requestHeaders['trace-id'] ?? '-'} -> ${outcome} (${(performance.now() - ctx.startTime).toFixed(1)} ms)\n`);
};

async function main(): Promise<void> {
  const [port, inventoryPort] = [Number(process.argv[2] ?? 0), Number(process.argv[3])];
  // --metrics: /metrics and /healthz on the RPC port, with this service's calls to inventory counted too.
  const metrics = process.argv.includes('--metrics');
  const inventory = createClient(Inventory, {
    address: { host: '127.0.0.1', port: inventoryPort },
    transport: 'ttheader',
    mode: 'mux',
    metrics,
    mux: { connectionsPerAddress: 2 },
    serviceName: 'orders',
    retry: { maxAttempts: 2 },
  });
  const server = createServer({ service: Orders, handler: new OrdersService(inventory), middleware: [accessLog], metrics });
  const address = await server.listen({ host: '127.0.0.1', port });
  shutdownOnSignals([server, { close: () => inventory.$close() }], { timeout: 5000 });
  process.stdout.write(`orders listening ${'port' in address ? address.port : address.path}\n`);
}

void main();
