import * as http from 'node:http';
import { HTTP_REPLY } from '@thriftpoll/transport';
import type { Address } from '../net/address';
import type { NetConnection } from '../net/net-connection';
import type { Registry } from './prom';

/** An HTTP answer: status, content type and body. */
interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const REASONS: Readonly<Record<number, string>> = { 200: 'OK', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** The longest request head read on the RPC port; a longer one gets the usual refusal. */
const MAX_HEAD = 8 * 1024;

/**
 * `GET /metrics` (Prometheus text format) and `GET /healthz` (200 while serving, 503 once shutdown has begun),
 * answered on the RPC port itself — a connection whose first bytes are an HTTP request is handed here instead of
 * being refused — and, when asked for, on a separate admin port.
 *
 * On the RPC port one request is answered per connection (`Connection: close`); any other request gets the
 * server's usual refusal (400 with a one-line explanation), so a port that speaks Thrift still says so.
 */
export class HttpEndpoints {
  private admin: http.Server | undefined;
  private adminBound: Address | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly serving: () => boolean,
  ) {}

  /** The admin port's address, once listening. */
  get adminAddress(): Address | undefined {
    return this.adminBound;
  }

  /** The answer to `method target`, or undefined when it is not one of ours. */
  async answer(method: string, target: string): Promise<HttpAnswer | undefined> {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const path = target.split('?', 1)[0];
    if (path === '/metrics') {
      try {
        return { status: 200, contentType: this.registry.contentType, body: await this.registry.metrics() };
      } catch (error) {
        // A collect() callback of another metric in the registry threw.
        return { status: 500, contentType: 'text/plain; charset=utf-8', body: `cannot collect metrics: ${error instanceof Error ? error.message : String(error)}\n` };
      }
    }
    if (path === '/healthz') {
      return this.serving()
        ? { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok\n' }
        : { status: 503, contentType: 'text/plain; charset=utf-8', body: 'shutting down\n' };
    }
    return undefined;
  }

  /**
   * Takes over a connection of the RPC port whose input is an HTTP request: waits for the request head, answers
   * it (or refuses it as before, and tells `refused`), then closes the connection.
   */
  serveConnection(connection: NetConnection, refused: () => void): void {
    let answered = false;
    const read = (): void => {
      // An engine may deliver buffered input as soon as the handler is set, and then once more below.
      if (answered) return;
      const reader = connection.reader;
      const length = reader.len();
      const head = Buffer.from(reader.peek(Math.min(length, MAX_HEAD))).toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (length >= MAX_HEAD) {
          answered = true;
          refused();
          send(connection, HTTP_REPLY);
        } else connection.wakeAt(length + 1);
        return;
      }
      answered = true;
      // Input after the head (a body, a pipelined request) is not read.
      connection.setOnRequest(ignore);
      const [method = '', target = ''] = head.slice(0, head.indexOf('\r\n')).split(' ');
      void this.answer(method, target).then((answer) => {
        if (answer === undefined) refused();
        send(connection, answer === undefined ? HTTP_REPLY : encode(answer, method === 'HEAD'));
      });
    };
    connection.setOnRequest(read);
    read();
  }

  /** Starts the separate admin port (Node's http server: keep-alive, any client). */
  async listen(address: Address): Promise<Address> {
    const server = http.createServer((request, response) => {
      void this.answer(request.method ?? '', request.url ?? '').then((answer) => {
        const reply = answer ?? { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found: this port serves GET /metrics and GET /healthz\n' };
        response.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
        response.end(request.method === 'HEAD' ? undefined : reply.body);
      });
    });
    this.admin = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if ('path' in address) server.listen(address.path, resolve);
      else server.listen(address.port, address.host, resolve);
    });
    const bound = server.address();
    this.adminBound = typeof bound === 'string' || bound === null ? address : { host: 'host' in address ? address.host : bound.address, port: bound.port };
    return this.adminBound;
  }

  /** Closes the admin port (its keep-alive connections too). */
  async close(): Promise<void> {
    const server = this.admin;
    if (server === undefined) return;
    this.admin = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function ignore(): void {}

function encode(answer: HttpAnswer, headOnly: boolean): Uint8Array {
  const body = Buffer.from(answer.body);
  const head = Buffer.from(
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? ''}\r\n` +
      `Content-Type: ${answer.contentType}\r\n` +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n',
    'latin1',
  );
  return headOnly ? head : Buffer.concat([head, body]);
}

function send(connection: NetConnection, bytes: Uint8Array): void {
  if (!connection.isActive()) return;
  connection.writer.malloc(bytes.length).set(bytes);
  const close = (): void => connection.close();
  connection.writer.flush().then(close, close);
}
