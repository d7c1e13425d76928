/**
 * Pure UI helpers of the persistence work: the e2e URL test hooks, and chart ticks on a range
 * narrower than float spacing (a resumed run's chart once hung the page in that loop).
 */
import { describe, expect, it } from 'vitest';
import { niceTicks } from '../../src/ui/LineSvg';
import { e2eHooksFromUrl } from '../../src/ui/useStudio';

describe('e2eHooksFromUrl', () => {
  it('is null for ordinary URLs, so nothing is sent to the worker', () => {
    expect(e2eHooksFromUrl('')).toBeNull();
    expect(e2eHooksFromUrl('?backend=wasm&e2e-quota=0&e2e-device-loss=x')).toBeNull();
    expect(e2eHooksFromUrl('?e2e-device-loss=-2')).toBeNull();
  });
  it('reads the quota and device-loss hooks', () => {
    expect(e2eHooksFromUrl('?e2e-quota=1')).toEqual({ quota: true });
    expect(e2eHooksFromUrl('?backend=webgpu&e2e-device-loss=3')).toEqual({ loseDeviceAtStep: 3 });
  });
});

describe('niceTicks', () => {
  it('gives 1-2-5 ticks over an ordinary range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.5, 1]);
  });
  it('ends on a range below float spacing (no endless loop)', () => {
    const lo = 0.6931471805599453;
    const hi = lo + 2 ** -52; // one ulp apart
    const ticks = niceTicks(lo, hi);
    expect(ticks.length).toBeLessThanOrEqual(21);
  });
});
