/**
 * The one way an error crosses a thread or process boundary: its name and
 * message travel, and the receiver gets an Error with the same name, so
 * callers branch on `name` on both sides.
 */

/** An error as it travels between threads and processes. */
export interface WireError {
  name: string;
  message: string;
}

/** The error's name and message, for postMessage or process.send. */
export function toWire(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message };
}

/** An Error with the name and message that were sent. */
export function fromWire(w: WireError): Error {
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}
