/**
 * The page of scripts/bench-page.ts: `window.__benchRun(request, timeoutMs)` runs one benchmark
 * in a fresh dedicated worker (bench.worker.ts) and resolves with its result, or rejects with the
 * worker's error; the worker's progress is logged to the console (scripts/bench-page.ts echoes it).
 */
import type { BenchRequest, BenchResult, WorkerMessage } from './protocol';

function benchRun(req: BenchRequest, timeoutMs: number): Promise<BenchResult> {
  const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<BenchResult>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const msg = e.data;
      if (msg.type === 'progress') {
        console.log(
          `[bench] step ${msg.step}: ${msg.ms.toFixed(0)} ms, loss ${msg.loss.toFixed(4)}`,
        );
      } else if (msg.type === 'result') {
        clearTimeout(timer);
        resolve(msg.result);
      } else {
        clearTimeout(timer);
        reject(new Error(msg.error));
      }
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`worker error: ${e.message || 'failed to load'}`));
    };
    worker.postMessage(req);
  }).finally(() => worker.terminate());
}

(window as unknown as { __benchRun: typeof benchRun }).__benchRun = benchRun;
document.body.dataset.ready = 'true';
