/**
 * The page's workers (src/worker/replicas.ts): one per core where workers can share memory, one
 * with a reason a user understands where they cannot; the Workers setting kept in the page's
 * settings and in a run config's compute part. (That a 2-worker run in Chromium equals a 1-worker
 * run is tests/e2e/workers.e2e.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/core/config/runConfig';
import { DEFAULT_SETTINGS } from '../../src/ui/defaults';
import { parseSettings, storedSettings, validateSettings } from '../../src/ui/persist';
import { runConfigOfSettings, settingsOfRunConfig } from '../../src/ui/settingsConfig';
import { pageWorkers, workersOf } from '../../src/worker/replicas';

const isolated = {
  crossOriginIsolated: true,
  SharedArrayBuffer,
  Worker: class {},
  navigator: { hardwareConcurrency: 4 },
};

describe('pageWorkers', () => {
  it('offers one worker per core on wasm in a cross-origin isolated page', () => {
    expect(pageWorkers('wasm', isolated)).toEqual({
      available: 4,
      cores: 4,
      mainThreads: 1,
      reason: null,
    });
    const many = pageWorkers('wasm', { ...isolated, navigator: { hardwareConcurrency: 64 } });
    expect(many.available).toBe(8);
    // The training worker's own threads count: 8 cores, 4 of them its wasm threads, 4 replicas.
    const eight = { ...isolated, navigator: { hardwareConcurrency: 8 } };
    expect(pageWorkers('wasm', eight, 4).available).toBe(5);
    expect(
      pageWorkers('wasm', { ...isolated, navigator: { hardwareConcurrency: 2 } }, 2).available,
    ).toBe(2);
  });
  it('keeps one worker and says why otherwise', () => {
    const cases: [string, object, RegExp][] = [
      ['wasm', { ...isolated, crossOriginIsolated: false }, /not cross-origin isolated/],
      ['wasm', { ...isolated, SharedArrayBuffer: undefined }, /SharedArrayBuffer/],
      ['wasm', { ...isolated, Worker: undefined }, /cannot start workers from a worker/],
      ['wasm', { ...isolated, navigator: { hardwareConcurrency: 1 } }, /one core/],
      ['webgpu', isolated, /GPU, which one worker drives/],
      ['cpu', isolated, /choose the wasm backend/],
    ];
    for (const [backend, scope, reason] of cases) {
      const w = pageWorkers(backend, scope);
      expect(w.available).toBe(1);
      expect(w.reason).toMatch(reason);
    }
  });
  it('runs the count asked for, one per core when none is, and one where workers cannot run', () => {
    const four = pageWorkers('wasm', isolated);
    expect(workersOf(undefined, four)).toBe(4);
    expect(workersOf(null, four)).toBe(4);
    expect(workersOf(2, four)).toBe(2);
    expect(workersOf(1, four)).toBe(1);
    expect(workersOf(3, pageWorkers('webgpu', isolated))).toBe(1);
  });
});

describe('the Workers setting', () => {
  it('is kept in the stored settings and round-trips through a run config', () => {
    const s = { ...DEFAULT_SETTINGS, workers: 2 };
    // What localStorage keeps, read back on the next visit.
    expect(parseSettings(JSON.stringify(storedSettings(s))).workers).toBe(2);
    expect(parseSettings(JSON.stringify(storedSettings(DEFAULT_SETTINGS))).workers).toBeUndefined();
    // Out of range or not a whole number: one per core again.
    expect(validateSettings({ ...s, workers: 99 }).workers).toBeUndefined();
    expect(validateSettings({ ...s, workers: 1.5 }).workers).toBeUndefined();

    const config = runConfigOfSettings(s, {});
    expect(config.compute).toEqual({ num_replicas: 2 });
    const parsed = parseRunConfig(JSON.parse(JSON.stringify(config)));
    expect(parsed.config.compute).toEqual({ num_replicas: 2 });
    const back = settingsOfRunConfig(parsed.config, DEFAULT_SETTINGS, validateSettings);
    expect(back.settings.workers).toBe(2);
    // No setting: no compute part, and a config without one leaves the page's as it is.
    expect(runConfigOfSettings(DEFAULT_SETTINGS, {}).compute).toBeUndefined();
    const { compute: _none, ...older } = config;
    expect(settingsOfRunConfig(older, s, validateSettings).settings.workers).toBe(2);
    // null: one per core.
    const perCore = settingsOfRunConfig(
      { ...config, compute: { num_replicas: null } },
      s,
      validateSettings,
    );
    expect(perCore.settings.workers).toBeUndefined();
  });
  it('leaves out a bad compute value with a notice', () => {
    const { config, notices } = parseRunConfig({
      version: 1,
      data: {},
      model: {},
      training: {},
      compute: { num_replicas: 0, threads: 2 },
    });
    expect(config.compute).toEqual({});
    expect(notices.join(' ')).toMatch(/compute\.num_replicas 0/);
    expect(notices.join(' ')).toMatch(/compute\.threads/);
  });
});
