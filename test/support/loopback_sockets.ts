/**
 * Real TCP sockets on loopback in chosen states, for tests that compare us with the kernel.
 * Everything here binds and connects to 127.0.0.1 or ::1 only, and `close()` ends it all.
 */
import net from 'node:net';
import { once } from 'node:events';

export type LoopbackHost = '127.0.0.1' | '::1';

export interface StateCounts {
  established: number;
  closeWait: number;
  timeWait: number;
}

export interface LoopbackSockets {
  servers: net.Server[];
  ports: number[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `holding` servers never close what they accept (allowHalfOpen): a client's FIN leaves the
 * accepted side in CLOSE_WAIT. Other servers answer a FIN with their own, so the client, having
 * closed first, sits in TIME_WAIT.
 */
async function listen(host: LoopbackHost, holding: boolean, held: net.Socket[]): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: holding }, (s) => {
    held.push(s);
    s.on('error', () => undefined);
  });
  server.listen(0, host);
  await once(server, 'listening');
  return server;
}

async function connect(host: LoopbackHost, port: number, held: net.Socket[]): Promise<net.Socket> {
  const socket = net.connect({ host, port, allowHalfOpen: true });
  socket.on('error', () => undefined);
  held.push(socket);
  await once(socket, 'connect');
  return socket;
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

/**
 * On each host: two listeners, `established` connected pairs, `closeWait` half-closed
 * connections (server side CLOSE_WAIT, client side FIN_WAIT_2), and `timeWait` connections the
 * client closed first (client side TIME_WAIT for the next 60 s).
 */
export async function openLoopbackSockets(hosts: readonly LoopbackHost[], counts: StateCounts): Promise<LoopbackSockets> {
  const held: net.Socket[] = [];
  const servers: net.Server[] = [];
  for (const host of hosts) {
    const holding = await listen(host, true, held);
    const closing = await listen(host, false, held);
    servers.push(holding, closing);
    for (let i = 0; i < counts.established; i++) await connect(host, portOf(holding), held);
    for (let i = 0; i < counts.closeWait; i++) (await connect(host, portOf(holding), held)).end();
    const closers: net.Socket[] = [];
    for (let i = 0; i < counts.timeWait; i++) closers.push(await connect(host, portOf(closing), held));
    for (const c of closers) c.end();
    await Promise.all(closers.map((c) => (c.closed ? Promise.resolve() : once(c, 'close'))));
  }
  await sleep(50); // let the last FINs land so every socket has reached its state
  return {
    servers,
    ports: servers.map(portOf),
    async close() {
      for (const s of held) s.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
