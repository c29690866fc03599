import type { NextFunction, Request, Response } from "express";

/**
 * Express error handler for JSON bodies: malformed JSON answers 400 and an oversized body
 * 413, each as `{ code, error }` like every other route, without a stack trace in the
 * log (hostile input is not a server bug, and must not be a way to flood the log).
 */
export function answerBodyErrors(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  const status = (error as { status?: unknown; type?: unknown } | null)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const message = status === 413 ? "request body too large" : "request body is not valid JSON";
    response.status(status).json({ code: status, error: message });
    return;
  }
  next(error);
}
