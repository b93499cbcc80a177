/** A service the kit found or started, with a way to give it back. */
export interface ResolvedService {
  url: string;
  /** One line for the learner: which backend answered and where. */
  backend: string;
  stop(): Promise<void>;
}
