/** The port the app listens on when PORT is not set. ops/prometheus.yml scrapes this port. */
export const DEFAULT_PORT = 3000;

export function readPort(): number {
  return Number(process.env.PORT ?? DEFAULT_PORT);
}
