/**
 * Memory readings for the long-sequence benchmark (scripts/bench-page-long.ts):
 *
 * - `largeRwRegions`: the wasm heaps of a Chromium renderer (each worker's WebAssembly.Memory)
 *   from /proc/PID/smaps. A wasm heap only grows, so its largest reading is its high-water mark.
 * - `processTree` / `ProcessMemoryWatch`: a process and its descendants from /proc (Linux), with
 *   VmRSS and VmHWM summed over them, polled while a run goes on.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A rw-p region of a process's address space: its start address, size and resident part (MB). */
export interface Region {
  start: string;
  sizeMb: number;
  rssMb: number;
}

/**
 * The wasm heaps of a Chromium renderer: its private read-write regions of at least `minMb`
 * (/proc/PID/smaps). V8 reserves each WebAssembly.Memory's whole address range (inaccessible)
 * and makes its first byteLength bytes read-write as it grows, so each heap is one rw-p region
 * whose size is the memory's byteLength and whose start stays where it is; the V8 and Blink
 * heaps are made of regions of a few MB. Large SharedArrayBuffers (the data-parallel weight and
 * gradient buffers) are such regions too. (Reading the byteLength over the DevTools protocol,
 * `Runtime.queryObjects` on a worker whose wasm has pthreads crashed the renderer.)
 */
export function largeRwRegions(pid: number, minMb = 128): Region[] {
  let smaps: string;
  try {
    smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return [];
  }
  const out: Region[] = [];
  let current: Region | null = null;
  for (const line of smaps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
    if (m) {
      const sizeMb = (parseInt(m[2], 16) - parseInt(m[1], 16)) / 1e6;
      current = m[3] === 'rw-p' && sizeMb >= minMb ? { start: m[1], sizeMb, rssMb: 0 } : null;
      if (current) out.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rssMb = (Number(rss[1]) * 1024) / 1e6;
  }
  return out;
}

/** A process's command line and its VmRSS / VmHWM (kB), or null once it is gone. */
function procStatus(pid: number): { cmd: string; rssKb: number; hwmKb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { cmd, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** `root` and every process below it (from /proc/PID/stat's parent pids). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Polls the memory of the processes below `root` whose command line matches `only` (all when
 * absent): the peak of their summed VmRSS over the polls, the sum of their VmHWM (each process's
 * own peak: an upper bound of the summed peak), and with `regions` their large rw-p regions
 * (`largeRwRegions`: a renderer's wasm heaps): the largest one seen, and those of the last poll
 * (a heap that outgrows its reservation is copied to a larger one, and the old one stays mapped
 * until it is garbage collected, so a poll can see both).
 */
export class ProcessMemoryWatch {
  peakRssSumKb = 0;
  private readonly hwmKb = new Map<number, number>();
  /** The largest large region seen (with its pid). */
  largestRegion: (Region & { pid: number }) | null = null;
  /** The large regions of the last poll that found any. */
  lastRegions: (Region & { pid: number })[] = [];
  /** At that poll: the resident memory of those processes outside their large regions (MB). */
  lastRestMb = 0;
  /** What `mark()` saw: the peak summed VmRSS so far, and a poll's large regions and the rest. */
  atMark: {
    peakRssSumKb: number;
    regions: (Region & { pid: number })[];
    restMb: number;
  } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly root: number,
    private readonly o: { only?: RegExp; regions?: boolean } = {},
  ) {}

  poll() {
    let sum = 0;
    const regions: (Region & { pid: number })[] = [];
    let restMb = 0;
    for (const pid of processTree(this.root)) {
      const s = procStatus(pid);
      if (!s || (this.o.only && !this.o.only.test(s.cmd))) continue;
      sum += s.rssKb;
      this.hwmKb.set(pid, Math.max(this.hwmKb.get(pid) ?? 0, s.hwmKb));
      if (!this.o.regions) continue;
      const large = largeRwRegions(pid);
      regions.push(...large.map((r) => ({ ...r, pid })));
      restMb += (s.rssKb * 1024) / 1e6 - large.reduce((a, r) => a + r.rssMb, 0);
    }
    this.peakRssSumKb = Math.max(this.peakRssSumKb, sum);
    if (regions.length) {
      this.lastRegions = regions.sort((a, b) => b.sizeMb - a.sizeMb);
      this.lastRestMb = restMb;
    }
    for (const r of regions) {
      if (r.sizeMb > (this.largestRegion?.sizeMb ?? 0)) this.largestRegion = r;
    }
  }

  /** Polls now and keeps what it saw (e.g. at a run's last step, before the run saves its model). */
  mark() {
    this.poll();
    this.atMark = {
      peakRssSumKb: this.peakRssSumKb,
      regions: [...this.lastRegions],
      restMb: this.lastRestMb,
    };
  }

  start(everyMs = 500) {
    this.poll();
    this.timer = setInterval(() => this.poll(), everyMs);
    return this;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll();
  }

  get hwmSumKb(): number {
    return [...this.hwmKb.values()].reduce((a, b) => a + b, 0);
  }

  /** The largest single process's VmHWM. */
  get maxHwmKb(): number {
    return Math.max(0, ...this.hwmKb.values());
  }
}
