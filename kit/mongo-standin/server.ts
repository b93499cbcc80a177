// One listening member: accepts TCP connections, reads frames, runs commands in arrival order
// per connection, and writes replies. A malformed frame closes only the connection that sent it.
import net from 'node:net';
import type { MemberState } from './commands/context.ts';
import { runCommand } from './commands/index.ts';
import { CursorRegistry } from './cursors.ts';
import { errorReply } from './errors.ts';
import { FrameError, FrameReader, encodeReply, type Request } from './framing.ts';
import type { Store } from './store.ts';

let nextConnectionId = 1;

export class MemberServer {
  readonly store: Store;
  readonly member: MemberState;
  readonly cursors = new CursorRegistry();
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(store: Store, member: MemberState) {
    this.store = store;
    this.member = member;
    this.#server = net.createServer((socket) => this.#serve(socket));
  }

  static listen(host: string, port: number, store: Store, member: MemberState): Promise<MemberServer> {
    const member_ = new MemberServer(store, member);
    return new Promise((resolve, reject) => {
      member_.#server.once('error', reject);
      member_.#server.listen(port, host, () => {
        member_.#server.off('error', reject);
        resolve(member_);
      });
    });
  }

  /** Let the process exit while this server is still listening (for the embedded default). */
  unref(): void {
    this.#server.unref();
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  #serve(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader();
    const connectionId = nextConnectionId++;
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let requests: Request[];
      try {
        requests = reader.push(chunk);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        socket.destroy();
        return;
      }
      for (const request of requests) {
        // Commands never throw (errors become replies); if something else does, drop just this connection.
        queue = queue.then(() => this.#answer(socket, request, connectionId)).catch(() => void socket.destroy());
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
  }

  async #answer(socket: net.Socket, request: Request, connectionId: number): Promise<void> {
    let reply;
    if (request.rejection) reply = errorReply(request.rejection);
    else {
      const ctx = { store: this.store, cursors: this.cursors, member: this.member, db: 'admin', connectionId };
      reply = await runCommand(request.command, ctx);
    }
    if (request.moreToCome || socket.destroyed) return;
    let bytes: Buffer;
    try {
      bytes = encodeReply(request, reply);
    } catch (err) {
      bytes = encodeReply(request, errorReply(err));
    }
    socket.write(bytes);
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.cursors.clear();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
