/** The error of a bad argument, and the helpers its messages use. */
import { StudioError } from '../util/errors';

/** A bad argument or combination of arguments; `argument` names the (first) culprit. */
export class ArgumentsError extends StudioError {
  constructor(
    message: string,
    readonly argument: string,
    remedy?: string,
  ) {
    super('arguments', message, { name: 'ArgumentsError', remedy });
  }
}

/** Throws an {@link ArgumentsError} for `argument`. */
export function fail(argument: string, message: string): never {
  throw new ArgumentsError(message, argument);
}

/** A value as JSON for a message; never throws (user JSON can hold objects without toString). */
export function showValue(v: unknown): string {
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}
