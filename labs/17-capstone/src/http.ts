import type { NextFunction, Request, Response } from "express";

/** An error with the status and message the client should get. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A product id: a positive integer, nothing else. */
export function productId(raw: unknown): number {
  const text = String(raw);
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new HttpError(400, `product id must be a positive integer, got "${text.slice(0, 40)}"`);
  return Number(text);
}

/** A whole number in [min, max] from a query parameter, or the fallback when absent. */
export function intParam(raw: unknown, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = String(raw);
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return Number(text);
}

/** The last middleware: HttpErrors become their status, bad JSON a 400, anything else a 500 without details. */
export function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (error instanceof HttpError) return void res.status(error.status).json({ error: error.message });
  const status = (error as { status?: number; type?: string }).status;
  if (status === 400 || status === 413) return void res.status(status).json({ error: status === 413 ? "request body too large" : "request body is not valid JSON" });
  console.error(error);
  res.status(500).json({ error: "internal error" });
}
