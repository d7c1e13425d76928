/**
 * Main-thread tasks of a page from a Chrome trace (CDP Tracing): each task's wall time, its CPU
 * time and its largest parts (script, style, layout, paint...). The PerformanceObserver
 * 'longtask' entries give wall time only, which on a busy machine includes the time the thread
 * waited for a core; the trace tells that waiting apart from work the page did.
 */
import type { CDPSession, Page } from 'playwright-core';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** CPU time of the event, µs. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

export interface MainThreadTask {
  /** Start, ms after the first task of the trace. */
  at: number;
  wallMs: number;
  /** CPU time; NaN when the trace has none for the task. */
  cpuMs: number;
  /** The task's parts by total time, largest first: "Layout 12, Paint 4". */
  parts: string;
}

/** The trace events that name the work inside a task. */
const PARTS =
  /^(FunctionCall|EvaluateScript|TimerFire|EventDispatch|FireAnimationFrame|UpdateLayoutTree|Layout|Paint|PrePaint|Layerize|Commit|HitTest|ParseHTML|MinorGC|MajorGC|RunMicrotasks|UpdateLayer)$/;

export class PageTrace {
  private constructor(private readonly cdp: CDPSession) {}

  /** Starts tracing the page's renderer (timeline categories only: cheap). */
  static async start(page: Page): Promise<PageTrace> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Tracing.start', {
      transferMode: 'ReturnAsStream',
      traceConfig: {
        includedCategories: [
          'devtools.timeline',
          'disabled-by-default-devtools.timeline',
          'toplevel',
        ],
      },
    });
    return new PageTrace(cdp);
  }

  /** Stops tracing; returns the renderer main-thread tasks of at least `thresholdMs` wall time. */
  async stop(thresholdMs: number): Promise<MainThreadTask[]> {
    const done = new Promise<string>((resolve) =>
      this.cdp.once('Tracing.tracingComplete', (e) => resolve(e.stream ?? '')),
    );
    await this.cdp.send('Tracing.end');
    const handle = await done;
    let text = '';
    for (;;) {
      const chunk = await this.cdp.send('IO.read', { handle, size: 1 << 20 });
      text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
      if (chunk.eof) break;
    }
    await this.cdp.send('IO.close', { handle });
    await this.cdp.detach();
    const parsed = JSON.parse(text) as { traceEvents: TraceEvent[] } | TraceEvent[];
    return mainThreadTasks(Array.isArray(parsed) ? parsed : parsed.traceEvents, thresholdMs);
  }
}

/** Tasks (RunTask) of every renderer main thread in the trace of at least `thresholdMs`. */
export function mainThreadTasks(events: TraceEvent[], thresholdMs: number): MainThreadTask[] {
  const mains = new Set(
    events
      .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const out: MainThreadTask[] = [];
  for (const key of mains) {
    const mine = events
      .filter((e) => `${e.pid}:${e.tid}` === key && e.ph === 'X' && e.dur !== undefined)
      .sort((a, b) => a.ts - b.ts);
    const t0 = mine.find((e) => e.name === 'RunTask')?.ts ?? 0;
    for (const task of mine) {
      const dur = task.dur ?? 0;
      if (task.name !== 'RunTask' || dur / 1000 < thresholdMs) continue;
      const end = task.ts + dur;
      const parts = new Map<string, number>();
      for (const e of mine) {
        if (e === task || e.ts < task.ts || e.ts + (e.dur ?? 0) > end || !PARTS.test(e.name))
          continue;
        parts.set(e.name, (parts.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
      }
      out.push({
        at: Math.round((task.ts - t0) / 1000),
        wallMs: Math.round(dur / 1000),
        cpuMs: task.tdur === undefined ? NaN : Math.round(task.tdur / 1000),
        parts: [...parts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
          .join(', '),
      });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
