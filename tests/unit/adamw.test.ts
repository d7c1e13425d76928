import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/numerics/adamw.json';
import { AdamW, hfNoDecay } from '../../src/core/train/adamw';
import { clipByGlobalNorm } from '../../src/core/train/clip';

interface Case {
  weight_decay_W: number;
  weight_decay_B: number;
  max_grad_norm: number | null;
  betas: [number, number];
  eps: number;
  W0: number[];
  B0: number[];
  W_shape: number[];
  B_shape: number[];
  grads: { W: number[]; B: number[] }[];
  lr_per_step: number[];
  pre_clip_global_norm: number[];
  params_after_step: { W: number[]; B: number[] }[];
}
const cases = fixture.cases as unknown as Case[];

/** 1e-6 relative (observed worst case: 6.4e-8 on params, 1e-7 on norms). */
function assertClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-6 * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      bad.push(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
  expect(bad).toEqual([]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW (+ clip_grad_norm_) matches torch step by step', () => {
  cases.forEach((c, ci) => {
    it(`case ${ci}: wd W=${c.weight_decay_W} B=${c.weight_decay_B} clip=${c.max_grad_norm}`, async () => {
      const before = tf.memory().numTensors;
      // The fixture puts W and B in groups with different decay: emulate with names and the
      // decay predicate (W -> a Linear weight, B -> its bias, which HF never decays).
      expect(c.weight_decay_B).toBe(0);
      const params = new Map<string, tf.Variable>([
        ['classifier.weight', tf.tidy(() => tf.variable(tf.tensor(c.W0, c.W_shape)))],
        ['classifier.bias', tf.tidy(() => tf.variable(tf.tensor(c.B0, c.B_shape)))],
      ]);
      const opt = new AdamW(params, {
        beta1: c.betas[0],
        beta2: c.betas[1],
        epsilon: c.eps,
        weightDecay: c.weight_decay_W,
      });
      expect(opt.decays('classifier.weight')).toBe(c.weight_decay_W > 0);
      expect(opt.decays('classifier.bias')).toBe(false);
      for (let s = 0; s < c.grads.length; s++) {
        const raw = new Map<string, tf.Tensor>([
          ['classifier.weight', tf.tensor(c.grads[s].W, c.W_shape)],
          ['classifier.bias', tf.tensor(c.grads[s].B, c.B_shape)],
        ]);
        const { grads, norm } = clipByGlobalNorm(raw, c.max_grad_norm ?? 0);
        if (c.pre_clip_global_norm.length > 0) {
          assertClose(await norm.data(), [c.pre_clip_global_norm[s]], `norm@${s}`);
        }
        opt.step(grads, c.lr_per_step[s]);
        tf.dispose([...raw.values(), ...grads.values(), norm]);
        assertClose(
          await params.get('classifier.weight')!.data(),
          c.params_after_step[s].W,
          `W@${s}`,
        );
        assertClose(
          await params.get('classifier.bias')!.data(),
          c.params_after_step[s].B,
          `B@${s}`,
        );
      }
      expect(opt.stepCount).toBe(c.grads.length);
      opt.dispose();
      tf.dispose([...params.values()]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('clipping actually bites in the clipped cases', () => {
    const clipped = cases.filter((c) => c.max_grad_norm !== null);
    expect(clipped.length).toBeGreaterThan(0);
    expect(
      clipped.some((c) => c.pre_clip_global_norm.some((n) => n > (c.max_grad_norm as number))),
    ).toBe(true);
  });

  it('getState/setState resumes bit-exactly (checkpoint mid-run)', async () => {
    const c = cases[2];
    const before = tf.memory().numTensors;
    const mk = () =>
      new Map<string, tf.Variable>([
        ['w.weight', tf.tidy(() => tf.variable(tf.tensor(c.W0, c.W_shape)))],
        ['w.bias', tf.tidy(() => tf.variable(tf.tensor(c.B0, c.B_shape)))],
      ]);
    const run = (opt: AdamW, s: number) => {
      const g = new Map<string, tf.Tensor>([
        ['w.weight', tf.tensor(c.grads[s].W, c.W_shape)],
        ['w.bias', tf.tensor(c.grads[s].B, c.B_shape)],
      ]);
      opt.step(g, c.lr_per_step[s]);
      tf.dispose([...g.values()]);
    };
    const pa = mk();
    const a = new AdamW(pa, { weightDecay: 0.1 });
    for (let s = 0; s < 6; s++) run(a, s);

    const pb = mk();
    const b = new AdamW(pb, { weightDecay: 0.1 });
    for (let s = 0; s < 3; s++) run(b, s);
    const state = await b.getState();
    expect(state.step).toBe(3);
    expect(Object.keys(state.m).sort()).toEqual(['w.bias', 'w.weight']);
    b.dispose();
    const c2 = new AdamW(pb, { weightDecay: 0.1 });
    c2.setState(state);
    for (let s = 3; s < 6; s++) run(c2, s);
    expect(Array.from(await pb.get('w.weight')!.data())).toEqual(
      Array.from(await pa.get('w.weight')!.data()),
    );
    expect(Array.from(await pb.get('w.bias')!.data())).toEqual(
      Array.from(await pa.get('w.bias')!.data()),
    );
    a.dispose();
    c2.dispose();
    tf.dispose([...pa.values(), ...pb.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects unknown names and wrong shapes', () => {
    const before = tf.memory().numTensors;
    const params = new Map([['a.weight', tf.tidy(() => tf.variable(tf.zeros([2, 2])))]]);
    const opt = new AdamW(params);
    const g1 = new Map([['nope', tf.zeros([2, 2])]]);
    const g2 = new Map([['a.weight', tf.zeros([4])]]);
    expect(() => opt.step(g1, 0.1)).toThrow(/unknown parameter 'nope'/);
    expect(() => opt.step(g2, 0.1)).toThrow(/shape/);
    tf.dispose([...g1.values(), ...g2.values(), ...params.values()]);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('hfNoDecay', () => {
  it('follows HF grouping on BERT names', () => {
    expect(hfNoDecay('bert.encoder.layer.0.attention.self.query.bias')).toBe(true);
    expect(hfNoDecay('bert.embeddings.LayerNorm.weight')).toBe(true);
    expect(hfNoDecay('bert.encoder.layer.3.output.LayerNorm.bias')).toBe(true);
    expect(hfNoDecay('model.layers.0.input_layernorm.weight')).toBe(true);
    expect(hfNoDecay('encoder.layer_norm.weight')).toBe(true);
    expect(hfNoDecay('bert.encoder.layer.0.attention.self.query.weight')).toBe(false);
    expect(hfNoDecay('bert.embeddings.word_embeddings.weight')).toBe(false);
    expect(hfNoDecay('classifier.weight')).toBe(false);
    expect(hfNoDecay('bert.pooler.dense.weight')).toBe(false);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales by max/(norm+1e-6), leaves small grads alone, and does not leak', async () => {
    const before = tf.memory().numTensors;
    const g = new Map<string, tf.Tensor>([
      ['a', tf.tensor([3, 0])],
      ['b', tf.tensor([[0, 4]])],
    ]);
    const r1 = clipByGlobalNorm(g, 1);
    expect((await r1.norm.data())[0]).toBeCloseTo(5, 6);
    expect(Array.from(await r1.grads.get('a')!.data())[0]).toBeCloseTo(3 / (5 + 1e-6), 7);
    expect(r1.grads.get('b')!.shape).toEqual([1, 2]);
    const r2 = clipByGlobalNorm(g, 10);
    expect(Array.from(await r2.grads.get('b')!.data())).toEqual([0, 4]);
    const r3 = clipByGlobalNorm(g, 0);
    expect((await r3.norm.data())[0]).toBeCloseTo(5, 6);
    expect(Array.from(await r3.grads.get('a')!.data())).toEqual([3, 0]);
    for (const r of [r1, r2, r3]) tf.dispose([...r.grads.values(), r.norm]);
    tf.dispose([...g.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
