/** A service the kit found or started, with a way to give it back. */
export interface ResolvedService {
  url: string;
  /** One line for the learner: which backend answered and where. */
  backend: string;
  stop(): Promise<void>;
  /** For a service this process started: do not let it keep the process alive. */
  unref?(): void;
}

/** No way to reach a service worked: say what was tried and the three ways to get one. */
export class NoServiceError extends Error {
  override name = "NoServiceError";
  constructor(service: string, detail: string, ways: readonly [string, string, string]) {
    super([`No ${service} is reachable (${detail}). Get one in any of these three ways:`, ...ways.map((way, i) => `  ${i + 1}. ${way}`)].join("\n"));
  }
}
