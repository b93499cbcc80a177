/**
 * Helpers for lab tests and bench scenarios. Import them as "#kit/testing/index.ts" so the path
 * still resolves when the contract check runs a lab from a scratch copy.
 */
export { labServices, type LabEnv } from "./services.ts";
export { startInstance, startInstances, stopAll, type Instance, type InstanceOptions } from "./instances.ts";
export { roundRobinProxy, type RoundRobinProxy, type ProxyOptions, type ProxyStats } from "./proxy.ts";
export {
  startEmailProvider,
  type EmailProvider,
  type EmailProviderOptions,
  type EmailProviderSettings,
  type EmailProviderStats,
  type EmailDelivery,
} from "./email-provider.ts";
export { startProcess, type RunningProcess, type ProcessOptions } from "./process.ts";
export { defaultStopTimeoutMs, type StopOptions } from "./stop.ts";
export { median, percentile, timed } from "../stats.ts";
export { getFreePort } from "../services/ports.ts";
export { spawnTied } from "../lifecycle.ts";
export type { BenchContext, BenchFigure, BenchScenario } from "./bench-types.ts";
export { workbookDir } from "../paths.ts";
