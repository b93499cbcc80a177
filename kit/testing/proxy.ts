import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxyOptions {
  /** Upstream base URLs, e.g. the `url` of each started instance. */
  targets: string[];
  /**
   * When set, the proxy polls GET <target><healthPath> and routes only to targets that answer 2xx,
   * the way a load balancer's health check takes a draining instance out of rotation.
   */
  healthPath?: string;
  healthIntervalMs?: number;
}

export interface ProxyStats {
  /** Requests forwarded to each target, by URL. */
  forwarded: Record<string, number>;
  /** Requests answered 502 because no upstream could take them. */
  failed: number;
}

export interface RoundRobinProxy {
  url: string;
  stats: ProxyStats;
  /** Which target the most recent request went to. */
  lastTarget(): string | undefined;
  close(): Promise<void>;
}

/**
 * A small round-robin HTTP load balancer for tests and benches: each request (not each
 * connection) goes to the next healthy target. A target that refuses the connection is skipped
 * and the request tried on the next one, which is safe because nothing was sent yet; any failure
 * after the request reached an upstream is passed on as a 502, never retried.
 */
export async function roundRobinProxy(options: ProxyOptions): Promise<RoundRobinProxy> {
  const targets = options.targets.map((t) => new URL(t));
  const healthy = new Set(targets.map((t) => t.href));
  const stats: ProxyStats = { forwarded: Object.fromEntries(targets.map((t) => [t.href.replace(/\/$/, ""), 0])), failed: 0 };
  let next = 0;
  let last: string | undefined;
  // No keep-alive towards upstreams: each request opens its own connection, so routing is per request.
  const agent = new http.Agent({ keepAlive: false });

  const pick = (exclude: Set<string>) => {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(next + i) % targets.length]!;
      if (healthy.has(target.href) && !exclude.has(target.href)) {
        next = (next + i + 1) % targets.length;
        return target;
      }
    }
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    req.on("end", () => forward(req, res, Buffer.concat(body), new Set()));
  });

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: Set<string>) {
    const target = pick(tried);
    if (!target) {
      stats.failed++;
      res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: "no upstream could take the request" }));
      return;
    }
    tried.add(target.href);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const key = target.href.replace(/\/$/, "");
        stats.forwarded[key] = (stats.forwarded[key] ?? 0) + 1;
        last = key;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED" && !res.headersSent) return forward(req, res, body, tried);
      stats.failed++;
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: `upstream failed: ${error.code ?? error.message}` }));
      else res.destroy();
    });
    upstream.end(body);
  }

  let timer: NodeJS.Timeout | undefined;
  if (options.healthPath) {
    const check = async () => {
      await Promise.all(
        targets.map(async (target) => {
          try {
            const answer = await fetch(new URL(options.healthPath!, target), { signal: AbortSignal.timeout(1000) });
            if (answer.ok) healthy.add(target.href);
            else healthy.delete(target.href);
            await answer.body?.cancel();
          } catch {
            healthy.delete(target.href);
          }
        }),
      );
    };
    await check();
    timer = setInterval(() => void check(), options.healthIntervalMs ?? 100);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    lastTarget: () => last,
    close: async () => {
      if (timer) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
