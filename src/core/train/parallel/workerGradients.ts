/**
 * Data parallelism over workers (worker_threads in Node, Web Workers in the page:
 * `transport.ts`): each micro-batch is split into N contiguous shares of rows, each share's
 * gradients are computed by a replica (a worker with its own copy of the model on a
 * single-threaded TF.js backend, or this thread for share 0 when `mainReplica`), and the shares' gradients are summed here in share order, so the result does not
 * depend on which replica finishes first. Each share divides its loss by the whole micro-batch's
 * denominator (from the labels, on this thread), so the sum is the micro-batch's mean loss and
 * its gradients, up to float summation order. The Trainer then clips and steps AdamW on this
 * thread's model as usual. Weights go to the replicas before each step, and their gradients come
 * back after it, in chunks through one small shared staging buffer (`staging.ts`): no copy of the
 * model is kept between the threads, only each thread's own.
 *
 * Dropout masks of share k of micro-batch i are seeded from (seed, step, i, k): with dropout on,
 * results depend on the number of replicas (with dropout 0 they do not, up to rounding).
 *
 * Evaluation ({@link ParallelGradients.forward}, a {@link LogitsSource}) uses the same replicas:
 * all of this thread's weights are sent before an evaluation's first split batch (the last
 * optimizer step happened after the last broadcast), which is cut into the same contiguous
 * shares, forward only (no tape), the logits gathered in row order; a batch under the split
 * threshold runs on this thread alone. Loss and metrics are computed here from the logits.
 *
 * Browser-safe: the workers come from the options' spawner (Node's worker_threads by default).
 */
import * as tf from '@tensorflow/tfjs';
import { paddedLength, type CollatedBatch } from '../../tokenize/collate';
import { inProcessLogits, type LogitsSource } from '../evaluate';
import {
  InProcessGradients,
  accumulateInto,
  batchGradients,
  type GradientContext,
  type GradientSource,
  type GradientSourceFactory,
  type StepGradients,
} from '../gradients';
import { StagingExchange, type WorkerDone } from './exchange';
import { STAGING_FLOATS, stagingFloats } from './staging';
import { ReplicaHandle, startWorkers } from './replicaHandle';
import { cutShares, shareLogits, shareTensors } from './shares';
import { emptyTimings, lapTimer, type StepPart, type StepTimings } from './stepTimings';
import {
  layoutOf,
  rowsOf,
  type ForwardShare,
  type FromReplica,
  type ParamLayout,
  type ShareBatch,
  type ToReplica,
} from './protocol';

export { startTsWorker } from './nodeReplicas';
export { emptyTimings, type StepTimings } from './stepTimings';
export { evaluationContext, MIN_SPLIT_FLOPS, type ParallelOptions } from './options';
import {
  encoderFlops,
  forwardOnThisThread,
  MIN_SPLIT_FLOPS,
  type ParallelOptions,
} from './options';

/**
 * A {@link GradientSourceFactory} of {@link ParallelGradients}. With `prestart`, the workers start
 * now (loading their modules and backend while this thread reads and tokenizes the data) and the
 * first source made takes them; until then they do not keep the process alive.
 */
export function parallelGradients(
  opts: ParallelOptions & { prestart?: boolean },
): GradientSourceFactory {
  let pool = opts.prestart ? startWorkers(opts) : null;
  if (pool) unclaimed.add(pool);
  return (ctx) => {
    const handles = pool;
    pool = null;
    if (handles) unclaimed.delete(handles);
    return new ParallelGradients(ctx, opts, handles ?? undefined);
  };
}

/** Pre-started workers no source has taken yet. */
const unclaimed = new Set<ReplicaHandle[]>();

/** Ends the pre-started workers no run took (e.g. the command failed before training). */
export async function closeUnclaimedWorkers(): Promise<void> {
  const pools = [...unclaimed];
  unclaimed.clear();
  await Promise.all(pools.flat().map((h) => h.terminate()));
}

/** See the module comment. */
export class ParallelGradients implements GradientSource {
  /** Where the split steps' time went (see {@link StepTimings}). */
  readonly timings: StepTimings = emptyTimings();
  private readonly layout: ParamLayout;
  private readonly workers: number;
  private started: Promise<ReplicaHandle[]> | null = null;
  /** Weights out and gradients back through the staging buffer, once the workers started. */
  private exchanger: StagingExchange | null = null;
  private nextId = 0;

  constructor(
    private readonly ctx: GradientContext,
    private readonly opts: ParallelOptions,
    /** Workers already started ({@link parallelGradients}'s `prestart`). */
    private prestarted?: ReplicaHandle[],
  ) {
    if (!Number.isInteger(opts.replicas) || opts.replicas < 1) {
      throw new Error(`replicas must be a positive integer, got ${opts.replicas}`);
    }
    this.layout = layoutOf(ctx.model.params, ctx.model.wordEmbeddingsName());
    this.workers = opts.mainReplica ? opts.replicas - 1 : opts.replicas;
  }

  private get shares(): number {
    return this.opts.replicas;
  }

  /** This thread's own path, for steps too small to split ({@link ParallelOptions.minSplitFlops}). */
  private local: InProcessGradients | null = null;

  /** Whether a step over `groups` is under the split threshold (padded tokens as collated). */
  private smallStep(groups: Uint32Array[]): boolean {
    const min = this.opts.minSplitFlops ?? MIN_SPLIT_FLOPS;
    if (min <= 0) return false;
    const { train, collate } = this.ctx;
    let tokens = 0;
    for (const idx of groups) tokens += idx.length * paddedLength(train.encoded, idx, collate);
    return encoderFlops(this.ctx.model, tokens) < min;
  }

  private start(): Promise<ReplicaHandle[]> {
    this.started ??= this.spawn();
    return this.started;
  }

  private exchange(): StagingExchange {
    return this.exchanger as StagingExchange;
  }

  private async spawn(): Promise<ReplicaHandle[]> {
    const capacity = stagingFloats(this.layout, this.opts.stagingFloats ?? STAGING_FLOATS);
    const staging = new SharedArrayBuffer(capacity * 4);
    this.exchanger = new StagingExchange(this.layout, new Float32Array(staging));
    const handles = this.prestarted ?? startWorkers(this.opts);
    this.prestarted = undefined;
    for (const h of handles) h.worker.keepAlive(true);
    try {
      await Promise.all(
        handles.map((h) =>
          h.request({
            type: 'init',
            index: h.index,
            config: this.ctx.model.config,
            gradientCheckpointing: this.ctx.model.gradientCheckpointing,
            layout: this.layout,
            problemType: this.ctx.problemType,
            head: this.ctx.model.head,
            loss: this.ctx.loss,
            backend: this.opts.backend ?? 'wasm',
            staging,
          } satisfies ToReplica),
        ),
      );
    } catch (e) {
      await Promise.all(handles.map((h) => h.terminate()));
      throw e;
    }
    return handles;
  }

  async compute(groups: Uint32Array[], step: number): Promise<StepGradients> {
    if (this.opts.mainReplica && this.smallStep(groups)) {
      // Nothing here reads the replicas' weights: the next split step broadcasts current ones.
      this.local ??= new InProcessGradients(this.ctx);
      return this.local.compute(groups, step);
    }
    const handles = await this.start();
    const clock = this.timings;
    const lap = lapTimer(clock);
    clock.steps += 1;
    const { perShare, tokens } = cutShares(this.ctx, groups, step, this.shares);
    // Before the shares' arrays are transferred (detached here).
    const rows = perShare.map((shares) => rowsOf(shares));
    const offset = this.opts.mainReplica ? 1 : 0;
    lap('assemble');
    if (handles.length > 0) {
      const workerRows = new Set<number>();
      for (const r of rows.slice(offset)) for (const id of r) workerRows.add(id);
      await this.exchange().broadcast(
        handles,
        this.ctx.model.params,
        Int32Array.from(workerRows).sort(),
      );
    }
    lap('broadcast');
    const id = this.nextId++;
    const replies = handles.map((h, w) => {
      const shares = perShare[w + offset];
      if (shares.length === 0) return Promise.resolve(null);
      const transfer = shares.flatMap((s) => [
        s.inputIds.buffer,
        s.attentionMask.buffer,
        s.tokenTypeIds.buffer,
        s.labels.buffer,
      ]) as ArrayBuffer[];
      const msg: ToReplica = { type: 'step', id, microBatches: groups.length, shares };
      return h.request(msg, transfer);
    });
    // A failing replica must not leave an unhandled rejection behind while this thread works.
    const settled = Promise.allSettled(replies);
    let main: { loss: number; grads: Map<string, tf.Tensor> } | null = null;
    try {
      if (this.opts.mainReplica && perShare[0].length > 0)
        main = await this.mainShare(perShare[0], groups.length, lap);
    } catch (e) {
      await settled;
      throw e;
    }
    const results = await settled;
    lap('wait');
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      if (main) tf.dispose([...main.grads.values()]);
      throw (failed as PromiseRejectedResult).reason;
    }
    const done: WorkerDone[] = [];
    results.forEach((r, w) => {
      const m = (r as PromiseFulfilledResult<FromReplica | null>).value;
      if (!m || m.type !== 'done') return;
      clock.replicaCompute += m.ms;
      done.push({ h: handles[w], m, rows: rows[w + offset] });
    });
    try {
      const summed = await this.exchange().sum(main, done, rows[0], tokens);
      lap('sum');
      return summed;
    } catch (e) {
      if (main) tf.dispose([...main.grads.values()]);
      throw e;
    }
  }

  /** Share 0 on this thread: its loss, and its gradients (tensors, the caller's). */
  private async mainShare(
    shares: ShareBatch[],
    microBatches: number,
    lap: (part: StepPart) => void,
  ): Promise<{ loss: number; grads: Map<string, tf.Tensor> }> {
    const { model, problemType, loss } = this.ctx;
    let acc: { loss: tf.Scalar; grads: Map<string, tf.Tensor> } | null = null;
    for (const s of shares) {
      const batch = shareTensors(s, problemType, model.head, model.takesTokenTypeIds());
      const out = batchGradients(
        model,
        problemType,
        batch,
        { ...loss, denominator: s.denominator },
        s.seed,
        microBatches,
        model.head === 'token',
      );
      tf.dispose(Object.values(batch));
      if (acc === null) acc = out;
      else accumulateInto(acc, out);
    }
    const a = acc as { loss: tf.Scalar; grads: Map<string, tf.Tensor> };
    lap('mainForwardBackward');
    const lossValue = (await a.loss.data())[0];
    a.loss.dispose();
    lap('mainRead');
    return { loss: lossValue, grads: a.grads };
  }

  /**
   * Evaluation logits over the same replicas (see the module comment). `begin` must come before
   * an evaluation's batches: it sends the current weights.
   */
  readonly forward: LogitsSource = {
    begin: () => this.beginForward(),
    logits: (b) => this.forwardLogits(b),
  };

  /** An evaluation began and the replicas lack its weights: they go with its first split batch. */
  private forwardWeightsPending = false;
  /** This thread's logits, for eval batches too small to split (`forwardOnThisThread`). */
  private localForward: LogitsSource | null = null;

  private async beginForward(): Promise<void> {
    this.forwardWeightsPending = true; // an evaluation of small batches starts no worker
  }

  private async forwardLogits(b: CollatedBatch): Promise<Float32Array> {
    if (forwardOnThisThread(this.opts, this.ctx.model, b.batchSize * b.seqLen)) {
      return (this.localForward ??= inProcessLogits(this.ctx.model)).logits(b);
    }
    const handles = await this.start();
    if (this.forwardWeightsPending && handles.length > 0)
      await this.exchange().broadcast(handles, this.ctx.model.params, null);
    this.forwardWeightsPending = false;
    const R = this.shares;
    const n = b.batchSize;
    const T = b.seqLen;
    // Floats per row: num_labels, or for the token head seqLen * num_labels ([rows, T, C]).
    const width = (this.ctx.model.head === 'token' ? T : 1) * this.ctx.model.config.num_labels;
    const out = new Float32Array(n * width);
    const from = (k: number) => Math.floor((k * n) / R);
    const shareOf = (k: number): ForwardShare => ({
      rows: from(k + 1) - from(k),
      seqLen: T,
      inputIds: b.inputIds.slice(from(k) * T, from(k + 1) * T),
      attentionMask: b.attentionMask.slice(from(k) * T, from(k + 1) * T),
      tokenTypeIds: b.tokenTypeIds.slice(from(k) * T, from(k + 1) * T),
    });
    const offset = this.opts.mainReplica ? 1 : 0;
    const id = this.nextId++;
    const replies = handles.map(async (h, w) => {
      const k = w + offset;
      if (from(k + 1) === from(k)) return;
      const share = shareOf(k);
      const transfer = [
        share.inputIds.buffer,
        share.attentionMask.buffer,
        share.tokenTypeIds.buffer,
      ];
      const m = await h.request(
        { type: 'forward', id, share } satisfies ToReplica,
        transfer as ArrayBuffer[],
      );
      if (m.type !== 'logits') throw new Error(`gradient replica ${h.index}: unexpected ${m.type}`);
      out.set(m.logits, from(k) * width);
    });
    // A failing replica must not leave an unhandled rejection behind while this thread works.
    const settled = Promise.allSettled(replies);
    try {
      if (this.opts.mainReplica && from(1) > 0)
        out.set(await shareLogits(this.ctx.model, shareOf(0)), 0);
    } catch (e) {
      await settled;
      throw e;
    }
    const failed = (await settled).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return out;
  }

  async close(): Promise<void> {
    const started = this.started;
    this.started = null;
    // Workers pre-started for this source that no split step or batch ever needed.
    await Promise.all((this.prestarted ?? []).map((h) => h.terminate()));
    this.prestarted = undefined;
    if (!started) return;
    const handles = await started.catch(() => [] as ReplicaHandle[]);
    await Promise.all(handles.map((h) => h.terminate()));
  }
}
