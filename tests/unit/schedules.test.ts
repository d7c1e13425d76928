import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/numerics/lr_schedules.json';
import {
  LR_SCHEDULER_TYPES,
  learningRateAt,
  lrLambda,
  warmupSteps,
  type LrSchedulerType,
} from '../../src/core/train/schedules';

interface Case {
  lr_scheduler_type: LrSchedulerType;
  learning_rate: number;
  max_steps: number;
  warmup_steps: number;
  lr_per_update: number[];
}

const cases = fixture.cases as Case[];

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-6 * Math.abs(expected) + 1e-15;
}

describe('learningRateAt matches PyTorch/HF LambdaLR', () => {
  it('has all 28 cases covering the seven schedules', () => {
    expect(cases).toHaveLength(28);
    expect(new Set(cases.map((c) => c.lr_scheduler_type))).toEqual(new Set(LR_SCHEDULER_TYPES));
  });

  for (const c of cases) {
    it(`${c.lr_scheduler_type} max_steps=${c.max_steps} warmup=${c.warmup_steps}`, () => {
      expect(c.lr_per_update).toHaveLength(c.max_steps);
      const bad: string[] = [];
      c.lr_per_update.forEach((expected, k) => {
        const got = learningRateAt(
          {
            lr_scheduler_type: c.lr_scheduler_type,
            learning_rate: c.learning_rate,
            num_warmup_steps: c.warmup_steps,
            num_training_steps: c.max_steps,
          },
          k,
        );
        if (!close(got, expected)) bad.push(`step ${k}: got ${got}, expected ${expected}`);
      });
      expect(bad).toEqual([]);
    });
  }
});

describe('schedule details', () => {
  const base = { learning_rate: 1e-3, num_warmup_steps: 0, num_training_steps: 10 };
  it('warmup makes the first update use 0', () => {
    for (const t of LR_SCHEDULER_TYPES.filter((x) => x !== 'constant')) {
      expect(learningRateAt({ ...base, lr_scheduler_type: t, num_warmup_steps: 2 }, 0)).toBe(0);
    }
  });
  it('cosine num_cycles kwarg changes the curve', () => {
    const opts = { ...base, lr_scheduler_type: 'cosine' as const };
    expect(lrLambda(opts, 5)).toBeCloseTo(0.5, 12);
    expect(lrLambda({ ...opts, lr_scheduler_kwargs: { num_cycles: 1 } }, 5)).toBeCloseTo(0, 12);
  });
  it('cosine_with_restarts restarts and hits 0 at the end', () => {
    const opts = {
      ...base,
      lr_scheduler_type: 'cosine_with_restarts' as const,
      lr_scheduler_kwargs: { num_cycles: 2 },
    };
    expect(lrLambda(opts, 0)).toBe(1);
    expect(lrLambda(opts, 5)).toBeCloseTo(1, 12);
    expect(lrLambda(opts, 10)).toBe(0);
  });
  it('polynomial ends at lr_end and depends on the base lr', () => {
    const opts = {
      ...base,
      lr_scheduler_type: 'polynomial' as const,
      lr_scheduler_kwargs: { lr_end: 1e-4, power: 2 },
    };
    expect(learningRateAt(opts, 10)).toBeCloseTo(1e-4, 15);
    expect(learningRateAt(opts, 11)).toBeCloseTo(1e-4, 15);
    expect(learningRateAt(opts, 5)).toBeCloseTo((1e-3 - 1e-4) * 0.25 + 1e-4, 15);
    expect(() => learningRateAt({ ...opts, learning_rate: 1e-5 }, 1)).toThrow(/lr_end/);
  });
  it('inverse_sqrt uses timescale = warmup or 10000', () => {
    const o = { ...base, lr_scheduler_type: 'inverse_sqrt' as const, num_warmup_steps: 4 };
    expect(lrLambda(o, 4)).toBe(1);
    expect(lrLambda(o, 12)).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(lrLambda({ ...o, lr_scheduler_kwargs: { timescale: 8 } }, 12)).toBeCloseTo(
      1 / Math.sqrt(16 / 8),
      12,
    );
  });
  it('linear never goes negative past the end', () => {
    expect(learningRateAt({ ...base, lr_scheduler_type: 'linear' }, 12)).toBe(0);
  });
  it('rejects kwargs a schedule does not take', () => {
    expect(() =>
      learningRateAt(
        { ...base, lr_scheduler_type: 'linear', lr_scheduler_kwargs: { num_cycles: 2 } },
        1,
      ),
    ).toThrow(/num_cycles/);
  });
  it('warmupSteps follows get_warmup_steps', () => {
    expect(warmupSteps({ warmup_steps: 7 }, 100)).toBe(7);
    expect(warmupSteps({ warmup_steps: 7.9 }, 100)).toBe(7); // int(), as transformers
    expect(warmupSteps({ warmup_steps: 1 }, 100)).toBe(1);
    expect(warmupSteps({ warmup_steps: 0.1 }, 37)).toBe(4); // a float below 1 is a ratio
    expect(warmupSteps({ warmup_steps: 0.1 }, 48)).toBe(5);
    expect(warmupSteps({ warmup_steps: 0 }, 37)).toBe(0);
  });
});
