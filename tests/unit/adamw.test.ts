import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels, wasmAdamW } from '../../src/core/kernels/wasmKernels';
import { beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/numerics/adamw.json';
import { AdamW, hfNoDecay } from '../../src/core/train/adamw';
import { clipByGlobalNorm, clipFlatGradsByGlobalNorm } from '../../src/core/train/clip';

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

/**
 * The per-parameter update exactly as torch orders it (and as adamw.ts did before the flat
 * buckets): the flat path must reproduce it bit for bit.
 */
function referenceStep(
  p: tf.Variable,
  g: tf.Tensor,
  st: { m: tf.Tensor; v: tf.Tensor },
  o: { lr: number; wd: number; b1: number; b2: number; eps: number; t: number },
): void {
  tf.tidy(() => {
    const bc1 = 1 - Math.pow(o.b1, o.t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(o.b2, o.t));
    let pNew: tf.Tensor = o.wd !== 0 ? p.mul(tf.scalar(1 - o.lr * o.wd)) : p;
    const mNew = st.m.add(g.sub(st.m).mul(tf.scalar(1 - o.b1)));
    const vNew = st.v.mul(tf.scalar(o.b2)).add(g.mul(g).mul(tf.scalar(1 - o.b2)));
    const denom = vNew.sqrt().div(tf.scalar(bc2Sqrt)).add(tf.scalar(o.eps));
    pNew = pNew.add(mNew.div(denom).mul(tf.scalar(-o.lr / bc1)));
    tf.dispose([st.m, st.v]);
    st.m = tf.keep(mNew);
    st.v = tf.keep(vNew);
    p.assign(pNew);
  });
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  }
  return worst;
}

describe('AdamW flat buckets', () => {
  const shapes: [string, number[]][] = [
    ['emb.weight', [16, 8]], // >= aloneElements: a bucket of its own
    ['emb.LayerNorm.weight', [8]],
    ['l0.dense.weight', [8, 8]],
    ['l0.dense.bias', [8]],
    ['l1.dense.weight', [3, 8]],
    ['l1.dense.bias', [3]],
    ['scale', []],
    ['l1.LayerNorm.bias', [3]],
  ];
  const mkParams = (seed: number) =>
    new Map<string, tf.Variable>(
      shapes.map(([n, s], i) => [
        n,
        tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i))),
      ]),
    );
  const mkGrads = (step: number, names = shapes.map(([n]) => n)) =>
    new Map<string, tf.Tensor>(
      shapes
        .filter(([n]) => names.includes(n))
        .map(([n, s], i) => [
          n,
          tf.randomNormal(s, 0, 0.1 * (step + 1), 'float32', 100 * step + i),
        ]),
    );
  const same = async (a: tf.Tensor, b: tf.Tensor, what: string) => {
    const [x, y] = [await a.data(), await b.data()];
    let bad = -1;
    for (let i = 0; i < x.length && bad < 0; i++) if (!Object.is(x[i], y[i])) bad = i;
    expect(bad, `${what}: first difference at ${bad}`).toBe(-1);
  };

  it('packs small parameters per decay group and leaves large ones alone', () => {
    const before = tf.memory().numTensors;
    const params = mkParams(1);
    const opt = new AdamW(params, { weightDecay: 0.1, aloneElements: 128 });
    const g = mkGrads(0);
    const flat = opt.flattenGrads(g);
    expect(flat.buckets.map((b) => [b.decay, [...b.names]])).toEqual([
      [true, ['emb.weight']],
      [true, ['l0.dense.weight', 'l1.dense.weight', 'scale']],
      [false, ['emb.LayerNorm.weight', 'l0.dense.bias', 'l1.dense.bias', 'l1.LayerNorm.bias']],
    ]);
    expect(flat.buckets.map((b) => b.size)).toEqual([128, 64 + 24 + 1, 8 + 8 + 3 + 3]);
    // tf.dispose reaches the flat gradients only, not the optimizer's moments.
    opt.step(flat, 1e-3);
    const kept = tf.memory().numTensors;
    tf.dispose(flat as unknown as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(kept - 3);
    opt.step(g, 1e-3);
    tf.dispose([...g.values()]);
    opt.dispose();
    tf.dispose([...params.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flattening with consume gives the same buckets and frees the gradients as it goes', async () => {
    const before = tf.memory().numTensors;
    const params = mkParams(1);
    const opt = new AdamW(params, { weightDecay: 0.1, aloneElements: 128 });
    const kept = mkGrads(0);
    const spent = new Map([...kept].map(([n, g]) => [n, g.clone()]));
    const ref = opt.flattenGrads(kept);
    const withGrads = tf.memory().numTensors;
    const flat = opt.flattenGrads(spent, true);
    // The gradients are gone (one tensor per bucket added, one per gradient freed), the map too.
    expect(spent.size).toBe(0);
    expect(tf.memory().numTensors).toBe(withGrads + ref.buckets.length - kept.size);
    for (let i = 0; i < ref.buckets.length; i++) {
      const [a, b] = [ref.get(i), flat.get(i)];
      expect(a === null).toBe(b === null);
      if (a && b) await same(a, b, `bucket ${i}`);
    }
    tf.dispose([...kept.values()]);
    ref.dispose();
    flat.dispose();
    opt.dispose();
    tf.dispose([...params.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('on wasm updates parameters and moments in place, bit for bit the out-of-place update', async () => {
    expect(installWasmKernels()).toBe(true);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const hp = { weightDecay: 0.05, beta2: 0.98, aloneElements: 128 };
    const inPlace = mkParams(3);
    // Variables made from tensors that are kept share those tensors' buffers: the optimizer
    // must not write there, and steps these out of place (new buffers) instead.
    const sources = mkParams(3);
    const outOfPlace = new Map([...sources].map(([n, p]) => [n, tf.variable(p)]));
    const a = new AdamW(inPlace, hp);
    const b = new AdamW(outOfPlace, hp);
    const ids = new Map([...inPlace].map(([n, p]) => [n, p.dataId]));
    for (let step = 0; step < 3; step++) {
      const g = mkGrads(step + 1);
      a.step(g, 1e-2);
      b.step(g, 1e-2);
      tf.dispose([...g.values()]);
    }
    for (const [n, p] of inPlace) {
      expect(p.dataId, `${n} kept its buffer`).toBe(ids.get(n));
      expect(outOfPlace.get(n)?.dataId, `${n} out of place`).not.toBe(sources.get(n)?.dataId);
      await same(p, outOfPlace.get(n) as tf.Tensor, n);
    }
    // The shared sources still hold the values the parameters had before the first step.
    const fresh = mkParams(3);
    for (const [n, p] of sources) await same(p, fresh.get(n)!, n);
    tf.dispose([
      ...sources.values(),
      ...fresh.values(),
      ...inPlace.values(),
      ...outOfPlace.values(),
    ]);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
  });

  it.each(['cpu', 'wasm'])(
    'matches the per-parameter update bit for bit, with clipping, over both APIs (%s)',
    async (backend) => {
      // wasm as the studio runs it: AdamW is then its one-pass kernel
      if (backend === 'wasm') expect(installWasmKernels()).toBe(true);
      await tf.setBackend(backend);
      if (backend === 'wasm') expect(wasmAdamW()).not.toBeNull();
      const before = tf.memory().numTensors;
      const o = { lr: 3e-3, wd: 0.05, b1: 0.9, b2: 0.98, eps: 1e-7 };
      const ref = mkParams(7);
      const viaMap = mkParams(7);
      const viaFlat = mkParams(7);
      const hp = {
        weightDecay: o.wd,
        beta1: o.b1,
        beta2: o.b2,
        epsilon: o.eps,
        aloneElements: 128,
      };
      const refState = new Map(
        [...ref].map(([n, p]) => [n, { m: tf.zerosLike(p), v: tf.zerosLike(p) }] as const),
      );
      const optMap = new AdamW(viaMap, hp);
      const optFlat = new AdamW(viaFlat, hp);
      for (let s = 0; s < 3; s++) {
        const lr = o.lr * (s + 1);
        const raw = mkGrads(s);
        // Reference: clip_grad_norm_(0.5) per tensor, then the per-parameter chain.
        const { grads: clipped, norm } = clipByGlobalNorm(raw, 0.5);
        for (const [n, p] of ref) {
          referenceStep(p, clipped.get(n)!, refState.get(n)!, {
            ...o,
            lr,
            wd: hfNoDecay(n) ? 0 : o.wd,
            t: s + 1,
          });
        }
        optMap.step(clipped, lr);
        const flat = optFlat.flattenGrads(raw);
        const flatNorm = clipFlatGradsByGlobalNorm(flat, 0.5);
        // Summation order differs (one Sum per bucket): the norms agree to rounding.
        expect(Math.abs((await flatNorm.data())[0] - (await norm.data())[0])).toBeLessThan(
          1e-6 * (await norm.data())[0],
        );
        const fromFlat = flat.toMap();
        for (const [n, g] of clipped) {
          expect(fromFlat.get(n)!.shape).toEqual(g.shape);
        }
        optFlat.step(flat, lr);
        flat.dispose();
        tf.dispose([flatNorm, norm, ...raw.values(), ...clipped.values(), ...fromFlat.values()]);
        for (const [n, p] of ref) await same(viaMap.get(n)!, p, `map ${n}@${s}`);
        for (const [n, p] of ref) {
          const d = maxRel(await viaFlat.get(n)!.data(), await p.data());
          expect(d, `flat ${n}@${s}`).toBeLessThan(1e-5);
        }
      }
      const state = await optMap.getState();
      for (const [n, st] of refState) {
        expect(Array.from(state.m[n])).toEqual(Array.from(await st.m.data()));
        expect(Array.from(state.v[n])).toEqual(Array.from(await st.v.data()));
      }
      for (const st of refState.values()) tf.dispose([st.m, st.v]);
      optMap.dispose();
      optFlat.dispose();
      tf.dispose([...ref.values(), ...viaMap.values(), ...viaFlat.values()]);
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
    },
  );

  it('flat gradients without clipping step exactly as the Map API', async () => {
    const before = tf.memory().numTensors;
    const a = mkParams(3);
    const b = mkParams(3);
    const oa = new AdamW(a, { weightDecay: 0.01, aloneElements: 128 });
    const ob = new AdamW(b, { weightDecay: 0.01, aloneElements: 128 });
    for (let s = 0; s < 2; s++) {
      const g = mkGrads(s);
      oa.step(g, 1e-2);
      const flat = ob.flattenGrads(g);
      const norm = clipFlatGradsByGlobalNorm(flat, 0);
      ob.step(flat, 1e-2);
      flat.dispose();
      tf.dispose([norm, ...g.values()]);
    }
    for (const [n, p] of a) await same(b.get(n)!, p, n);
    oa.dispose();
    ob.dispose();
    tf.dispose([...a.values(), ...b.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('skips parameters without a gradient bit for bit, and keeps no state for them', async () => {
    const before = tf.memory().numTensors;
    const params = mkParams(5);
    const snapshot = new Map(
      await Promise.all([...params].map(async ([n, p]) => [n, await p.data()] as const)),
    );
    const opt = new AdamW(params, { weightDecay: 0.1, aloneElements: 128 });
    const some = ['l0.dense.weight', 'l1.dense.bias'];
    const g = mkGrads(0, some);
    opt.step(g, 1e-2);
    tf.dispose([...g.values()]);
    for (const [n, p] of params) {
      const changed = (await p.data()).some((x, i) => x !== snapshot.get(n)![i]);
      expect(changed, n).toBe(some.includes(n));
    }
    const state = await opt.getState();
    expect(Object.keys(state.m).sort()).toEqual([...some].sort());
    // Resuming rebuilds the buckets from per-name state and keeps skipping the others.
    const opt2 = new AdamW(params, { weightDecay: 0.1, aloneElements: 128 });
    opt2.setState(state);
    expect(Object.keys((await opt2.getState()).v).sort()).toEqual([...some].sort());
    for (const n of some) {
      expect(Array.from((await opt2.getState()).m[n])).toEqual(Array.from(state.m[n]));
    }
    opt.dispose();
    opt2.dispose();
    tf.dispose([...params.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs a handful of kernels per step, not a dozen per parameter', async () => {
    const params = mkParams(9);
    const opt = new AdamW(params, { weightDecay: 0.1, aloneElements: 128 });
    const g = mkGrads(0);
    opt.step(g, 1e-3); // creates the moments
    const before = tf.memory().numTensors;
    const prof = await tf.profile(() => {
      const flat = opt.flattenGrads(g);
      const norm = clipFlatGradsByGlobalNorm(flat, 1);
      opt.step(flat, 1e-3);
      flat.dispose();
      norm.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
    const compute = prof.kernels.filter((k) => !['Reshape', 'Identity'].includes(k.name));
    // 3 buckets x (14 elementwise + square, sum, scale) + concats, split, norm: ~60, whatever
    // the number of parameters.
    expect(compute.length).toBeLessThan(70);
    tf.dispose([...g.values()]);
    opt.dispose();
    tf.dispose([...params.values()]);
  });

  it('rejects a FlatGrads after dispose or from another optimizer', () => {
    const before = tf.memory().numTensors;
    const params = mkParams(2);
    const a = new AdamW(params);
    const b = new AdamW(params);
    const g = mkGrads(0);
    const flat = a.flattenGrads(g);
    expect(() => b.step(flat, 1e-3)).toThrow(/another optimizer/);
    flat.dispose();
    expect(() => a.step(flat, 1e-3)).toThrow(/disposed/);
    expect(a.stepCount).toBe(0);
    tf.dispose([...g.values(), ...params.values()]);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
