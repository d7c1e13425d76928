/**
 * Dispatches protocol requests to handlers and posts exactly one reply per request. A handler's
 * error crosses as `{ name, message, code, remedy }` whatever class threw it (`serializeError`).
 */
import { serializeError, StudioError } from '../core/run/errors';
import type { RequestMessage, RequestName, WorkerMessage } from './protocol';

interface Port {
  addEventListener(type: 'message', fn: (ev: MessageEvent<RequestMessage>) => void): void;
  postMessage(message: WorkerMessage, transfer: Transferable[]): void;
}

type AnyHandlers = Record<RequestName, (params: never) => Promise<unknown>> & {
  transferOf(result: unknown): Transferable[];
};

export function serveRequests(port: Port, handlers: AnyHandlers): void {
  port.addEventListener('message', (ev) => {
    const { id, name, params } = ev.data;
    const handler = handlers[name] as ((p: unknown) => Promise<unknown>) | undefined;
    if (!handler) {
      const error = new StudioError('protocol', `Unknown request "${name}".`, 'ProtocolError');
      port.postMessage({ type: 'reply', id, ok: false, error: serializeError(error) }, []);
      return;
    }
    // (A handler that throws before its promise exists still gets its reply.)
    Promise.resolve(params)
      .then(handler)
      .then(
        (result) =>
          port.postMessage({ type: 'reply', id, ok: true, result }, handlers.transferOf(result)),
        (err: unknown) =>
          port.postMessage({ type: 'reply', id, ok: false, error: serializeError(err) }, []),
      );
  });
}
