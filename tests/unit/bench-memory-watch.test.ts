/**
 * scripts/benchMemoryWatch.ts (bench:page-long's memory readings): a WebAssembly.Memory is one
 * read-write region of /proc/PID/smaps whose size is its byteLength, before and after it grows,
 * and the process tree holds this process.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { largeRwRegions, processTree, ProcessMemoryWatch } from '../../scripts/benchMemoryWatch';

const linux = existsSync('/proc/self/smaps');

describe.runIf(linux)('bench:page-long memory readings', () => {
  it('finds a wasm heap as a region of its byteLength, as it grows', () => {
    const memory = new WebAssembly.Memory({ initial: 2560, maximum: 65536 }); // 160 MiB
    const sizes = () => largeRwRegions(process.pid).map((r) => Math.round(r.sizeMb * 1e6));
    expect(sizes()).toContain(memory.buffer.byteLength);
    memory.grow(1024); // + 64 MiB
    expect(memory.buffer.byteLength).toBe(3584 * 65536);
    expect(sizes()).toContain(memory.buffer.byteLength);
    new Uint8Array(memory.buffer).fill(1, 0, 32 * 2 ** 20);
    const region = largeRwRegions(process.pid).find(
      (r) => Math.round(r.sizeMb * 1e6) === memory.buffer.byteLength,
    );
    // 32 MiB written: resident at least that (whole pages).
    expect(region!.rssMb).toBeGreaterThanOrEqual((32 * 2 ** 20) / 1e6);
  });

  it('reads this process in its own tree, with its resident memory', () => {
    expect(processTree(process.pid)).toContain(process.pid);
    const watch = new ProcessMemoryWatch(process.pid);
    watch.poll();
    expect(watch.peakRssSumKb).toBeGreaterThan(1000);
    expect(watch.maxHwmKb).toBeGreaterThanOrEqual(watch.peakRssSumKb);
  });
});
