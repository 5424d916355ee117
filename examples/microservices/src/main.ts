/**
 * The microservices example, end to end: starts the inventory and orders services as two processes, places a few
 * orders through a typed client with a trace id, prints what each service saw, and shuts both down gracefully.
 *
 *   npm run example:microservices [-- --metrics]
 *
 * With --metrics both services serve Prometheus metrics and /healthz on their RPC ports (the lines to curl are
 * printed), and the orders service also counts its calls to inventory.
 *
 *   client ──placeOrder (THeader, trace-id, 2 s deadline)──► orders ──reserve (TTHeader mux pool, trace-id,
 *                                                              remaining deadline, FromService)──► inventory
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createClient } from '@thriftpoll/rpc';
import { OrderRejected, Orders } from '../gen/orders';

interface Service {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
}

/** Starts one service process, echoing its output, and resolves once it prints `<name> listening <port>`. */
function start(script: string, args: string[]): Promise<Service> {
  const child = spawn(process.execPath, [path.join(__dirname, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        process.stdout.write(`  | ${line}\n`);
        const match = /listening (\d+)$/.exec(line);
        if (match !== null) resolve({ child, port: Number(match[1]), exited });
      }
    });
    void exited.then((code) => reject(new Error(`${script} exited (code ${code}) before listening`)));
  });
}

async function main(): Promise<void> {
  const unknown = process.argv.slice(2).filter((arg) => arg !== '--metrics');
  if (unknown.length > 0) {
    process.stderr.write(`microservices example: unknown argument ${JSON.stringify(unknown[0])}; usage: npm run example:microservices [-- --metrics]\n`);
    process.exit(2);
  }
  const metrics = process.argv.includes('--metrics') ? ['--metrics'] : [];
  const inventory = await start('inventory-server.js', ['0', ...metrics]);
  const orders = await start('orders-server.js', ['0', String(inventory.port), ...metrics]);
  const client = createClient(Orders, { address: { host: '127.0.0.1', port: orders.port }, transport: 'theader', timeout: 2000 });
  const attempts = [
    { customer: 'ada', sku: 'book-1', quantity: 2 },
    { customer: 'bob', sku: 'mug-7', quantity: 3 },
    { customer: 'cy', sku: 'lamp-0', quantity: 1 },
  ];
  let failures = 0;
  for (const [i, request] of attempts.entries()) {
    const traceId = `trace-${i + 1}`;
    try {
      const order = await client.placeOrder(request, { headers: { 'trace-id': traceId } });
      process.stdout.write(`client: ${request.customer} ordered ${order.quantity} × ${order.item.title}: ${order.id}, ${order.totalCents} cents, trace ${order.traceId}\n`);
      if (order.traceId !== traceId) failures++;
    } catch (error) {
      if (!(error instanceof OrderRejected)) throw error;
      process.stdout.write(`client: ${request.customer}'s order was rejected: ${error.reason}\n`);
    }
  }
  await client.$close();
  if (metrics.length > 0) {
    // What Prometheus would scrape: the call counts of each service, from its RPC port.
    for (const [name, port] of [['orders', orders.port], ['inventory', inventory.port]] as const) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      process.stdout.write(`${name} metrics (curl http://127.0.0.1:${port}/metrics):\n`);
      for (const line of text.split('\n')) if (/^thriftpoll_(server|client)_requests_total\{/.test(line)) process.stdout.write(`  ${line}\n`);
    }
  }
  orders.child.kill('SIGTERM');
  inventory.child.kill('SIGTERM');
  const codes = await Promise.all([orders.exited, inventory.exited]);
  process.stdout.write(`services stopped (exit codes ${codes.join(', ')})\n`);
  if (failures > 0 || codes.some((code) => code !== 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`microservices example failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
