// Public entry point: start the MongoDB stand-in in-process, as one server or a three-member replica set.
import { MemberServer } from './server.ts';
import { ReplicaSet, standalone } from './replication.ts';
import { Store } from './store.ts';

export interface MongoStandin {
  /** Connection string for the official driver. */
  uri: string;
  /** host:port of every listener (primary first in replica-set mode). */
  hosts: string[];
  close(): Promise<void>;
  /** Stop the listeners from keeping the process alive: it may exit with the stand-in still open. */
  unref(): void;
}

export interface MongoStandinOptions {
  host?: string;
  /** 0 (default) picks free ports. In replica-set mode the members use port, port+1, port+2. */
  port?: number;
  replicaSet?: { name?: string; lagMs?: number };
}

export async function startMongoStandin(opts: MongoStandinOptions = {}): Promise<MongoStandin> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  if (!opts.replicaSet) {
    const server = await MemberServer.listen(host, port, new Store(), standalone);
    const address = `${host}:${server.port}`;
    return { uri: `mongodb://${address}/?directConnection=true`, hosts: [address], close: () => server.close(), unref: () => server.unref() };
  }
  const name = opts.replicaSet.name ?? 'rs0';
  const set = new ReplicaSet(name, opts.replicaSet.lagMs ?? 300);
  const servers: MemberServer[] = [];
  const closeAll = async () => {
    set.close();
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < 3; i++) {
      servers.push(await MemberServer.listen(host, port === 0 ? 0 : port + i, set.stores[i]!, set.members[i]!));
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  set.hosts = servers.map((s) => `${host}:${s.port}`);
  return { uri: `mongodb://${set.hosts.join(',')}/?replicaSet=${encodeURIComponent(name)}`, hosts: [...set.hosts], close: closeAll, unref: () => servers.forEach((s) => s.unref()) };
}
