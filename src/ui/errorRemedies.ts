/**
 * What to do about the errors the page shows. The studio's hooks keep an error as its message
 * (`errorMessage` in format.ts), so the remedy of each error turned into a message is kept here,
 * by message, for the views that show it (the error banner and the run bar): `remedyFor(text)`
 * is the remedy of the error whose message the shown text holds (a hook may add words around
 * it). Every code has one (`WorkerError.remedy`, else the catalogue's for the error's code).
 */
import { errorRemedyOf } from '../worker/client';

/** The messages kept (the latest win); a page shows one error at a time. */
const KEEP = 20;
const remedies = new Map<string, string>();

/** Keeps the remedy of `err`, shown as `message`. */
export function rememberRemedy(message: string, err: unknown): void {
  if (!message || !(err instanceof Error)) return;
  remedies.delete(message);
  remedies.set(message, errorRemedyOf(err));
  if (remedies.size > KEEP) remedies.delete(remedies.keys().next().value as string);
}

/** The remedy of the latest error whose message `text` shows, or null (a notice of the page's own). */
export function remedyFor(text: string | null): string | null {
  if (!text) return null;
  const exact = remedies.get(text);
  if (exact !== undefined) return exact;
  let found: string | null = null;
  for (const [message, remedy] of remedies) if (text.includes(message)) found = remedy;
  return found;
}
