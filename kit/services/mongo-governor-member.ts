// One listener of the MongoDB governor, in front of one member: every client connection gets its own
// connection to the member, requests go up in the order they came (an operation over the budget
// waits its turn first), replies come back as they are but for the handshake's, whose addresses
// are rewritten (mongo-governor-wire.ts).
import net from "node:net";
import { BSONError } from "bson";
import { FrameError, FrameSplitter } from "../mongo-standin/framing.ts";
import { MemberBudget, type BudgetOptions } from "./mongo-governor-budget.ts";
import { HELLO_COMMANDS, commandName, helloWithoutCompression, moreToCome, overloadReply, readHeader, rewriteHelloReply, type MemberRole } from "./mongo-governor-wire.ts";

/**
 * Commands that do not use the budget: the handshake and heartbeat (HELLO_COMMANDS), the driver's
 * RTT ping, authentication, and what a client sends as it opens or closes. A server does answer them
 * too, but a client cannot make its application do more of them by sending more traffic.
 */
export const EXEMPT_COMMANDS: ReadonlySet<string> = new Set([
  ...HELLO_COMMANDS, "ping", "buildInfo", "buildinfo", "saslStart", "saslContinue", "authenticate", "getnonce", "logout", "endSessions",
]);

export interface MemberTarget {
  /** host:port as the replica set names the member (its `me`). */
  upstream: string;
  host: string;
  port: number;
}

export class MemberListener {
  readonly target: MemberTarget;
  readonly budget: MemberBudget;
  /** What the member said it was in the last hello reply that passed through (set first from discovery). */
  role: MemberRole = "unknown";
  /** Upstream member address (lower case) -> the governor's listener address, shared by all listeners. */
  readonly #addresses: ReadonlyMap<string, string>;
  readonly #server: net.Server;
  readonly #ends = new Set<() => void>();

  private constructor(target: MemberTarget, budget: BudgetOptions, addresses: ReadonlyMap<string, string>) {
    this.target = target;
    this.budget = new MemberBudget(budget);
    this.#addresses = addresses;
    this.#server = net.createServer((socket) => this.#serve(socket));
  }

  static listen(host: string, port: number, target: MemberTarget, budget: BudgetOptions, addresses: ReadonlyMap<string, string>): Promise<MemberListener> {
    const listener = new MemberListener(target, budget, addresses);
    return new Promise((resolve, reject) => {
      listener.#server.once("error", reject);
      listener.#server.listen(port, host, () => {
        listener.#server.off("error", reject);
        resolve(listener);
      });
    });
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  #serve(client: net.Socket): void {
    const upstream = net.connect({ host: this.target.host, port: this.target.port });
    const fromClient = new FrameSplitter();
    const fromUpstream = new FrameSplitter();
    /** Requests whose replies are hello replies (and, for a streaming hello, the replies that more follow). */
    const helloIds = new Set<number>();
    const timers = new Set<NodeJS.Timeout>();
    let waiting = 0;
    let open = true;
    let order = Promise.resolve();

    const end = () => {
      if (!open) return;
      open = false;
      for (const timer of timers) clearTimeout(timer);
      this.budget.queued(-waiting);
      client.destroy();
      upstream.destroy();
      this.#ends.delete(end);
    };
    this.#ends.add(end);
    const send = (frame: Buffer) => void (open && upstream.write(frame));

    /** What to do with one request, decided on arrival (the budget's slot is taken now), run in order. */
    const plan = (frame: Buffer): (() => void | Promise<void>) => {
      const header = readHeader(frame);
      const name = commandName(frame, header.opCode) ?? `opCode ${header.opCode}`;
      if (HELLO_COMMANDS.has(name)) {
        helloIds.add(header.requestId);
        this.budget.exempt(name);
        const rewritten = helloWithoutCompression(frame, header.opCode);
        return () => send(rewritten);
      }
      if (EXEMPT_COMMANDS.has(name)) {
        this.budget.exempt(name);
        return () => send(frame);
      }
      const waitMs = this.budget.reserve();
      if (waitMs === undefined) {
        // An unacknowledged write (moreToCome) expects no reply: it is dropped, as an overloaded server would.
        if (moreToCome(frame, header.opCode)) return () => {};
        const reply = overloadReply(header, `mongo-governor: ${this.target.upstream} is over its operations budget; this ${name} would wait longer than maxWaitMs`);
        return () => void (open && client.write(reply));
      }
      const forward = () => {
        this.budget.forwarded(name);
        send(frame);
      };
      if (waitMs === 0) return () => void (open && forward());
      const due = this.budget.now() + waitMs;
      waiting++;
      this.budget.queued(1);
      return () => new Promise<void>((resolve) => {
        if (!open) return resolve(); // ended while an earlier request of this connection waited
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (open) {
            waiting--;
            this.budget.queued(-1);
            forward();
          }
          resolve();
        }, Math.max(0, due - performance.now()));
        timers.add(timer);
      });
    };

    client.setNoDelay(true);
    upstream.setNoDelay(true);
    /** Runs `work`; a message the governor cannot read ends the connection, as a server would. */
    const guarded = (work: () => void) => {
      try {
        work();
      } catch (err) {
        if (!(err instanceof FrameError || err instanceof RangeError || BSONError.isBSONError(err))) throw err;
        end();
      }
    };
    client.on("data", (chunk: Buffer) => guarded(() => {
      for (const frame of fromClient.push(chunk)) {
        const step = plan(frame);
        order = order.then(step).catch(end);
      }
    }));
    upstream.on("data", (chunk: Buffer) => guarded(() => {
      for (const frame of fromUpstream.push(chunk)) client.write(this.#reply(frame, helloIds));
    }));
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
  }

  #reply(frame: Buffer, helloIds: Set<number>): Buffer {
    const { requestId, responseTo, opCode } = readHeader(frame);
    if (!helloIds.delete(responseTo)) return frame;
    // A streaming hello (exhaust) answers one request many times, each reply naming the previous one.
    if (moreToCome(frame, opCode)) helloIds.add(requestId);
    const rewritten = rewriteHelloReply(frame, opCode, this.#addresses);
    this.role = rewritten.role;
    return rewritten.frame;
  }

  /** Ends every connection (a queued operation is dropped with it) and stops listening. */
  close(): Promise<void> {
    for (const end of [...this.#ends]) end();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
