/**
 * The Trainer's decisions as pure functions: when to log, evaluate, save and stop (flow.ts, as
 * transformers' DefaultFlowCallback), the run plan, the best model and early stopping
 * (bestModel.ts) and which checkpoints to keep (checkpointRotation.ts). The flow is also replayed
 * over the three fixture runs of transformers' own Trainer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainingArguments, type TrainingArguments } from '../../src/core/train/args';
import {
  EarlyStoppingCallback,
  bestModelCheckpoint,
  determineBestMetric,
  greaterIsBetter,
  isImprovement,
} from '../../src/core/train/bestModel';
import { newControl, statefulCallbacks } from '../../src/core/train/callbacks';
import { checkpointStep, checkpointsToRotate } from '../../src/core/train/checkpointRotation';
import {
  applyFlow,
  decideFlow,
  flowIntervals,
  saveAfterEvaluation,
  type FlowDecision,
} from '../../src/core/train/flow';
import { planRun } from '../../src/core/train/runPlan';

function argsOf(over: Record<string, unknown>): TrainingArguments {
  return parseTrainingArguments({ output_dir: 'out', ...over }).args;
}

const none: FlowDecision = { log: false, evaluate: false, save: false, stop: false };

/** Steps 1..maxSteps at which decideFlow says `what` at a step end. */
function stepsWhere(args: TrainingArguments, maxSteps: number, what: keyof FlowDecision): number[] {
  const every = flowIntervals(args, maxSteps);
  const out: number[] = [];
  for (let gs = 1; gs <= maxSteps; gs++) {
    if (decideFlow(args, every, 'step', { global_step: gs, max_steps: maxSteps, epoch: 0 })[what]) {
      out.push(gs);
    }
  }
  return out;
}

describe('decideFlow at a step end', () => {
  it('logs, evaluates and saves every N steps of their strategy, and stops at max_steps', () => {
    const args = argsOf({
      logging_steps: 2,
      eval_strategy: 'steps',
      eval_steps: 3,
      save_strategy: 'steps',
      save_steps: 4,
    });
    expect(stepsWhere(args, 10, 'log')).toEqual([2, 4, 6, 8, 10]);
    // At max_steps transformers 5 also evaluates and saves (by steps) off the interval.
    expect(stepsWhere(args, 10, 'evaluate')).toEqual([3, 6, 9, 10]);
    expect(stepsWhere(args, 10, 'save')).toEqual([4, 8, 10]);
    expect(stepsWhere(args, 10, 'stop')).toEqual([10]);
    expect(stepsWhere(args, 12, 'evaluate')).toEqual([3, 6, 9, 12]);
  });

  it('waits eval_delay steps (or epochs) before the first evaluation', () => {
    const args = argsOf({ eval_strategy: 'steps', eval_steps: 2, eval_delay: 5 });
    expect(stepsWhere(args, 9, 'evaluate')).toEqual([6, 8, 9]);
    const byEpoch = argsOf({ eval_strategy: 'epoch', eval_delay: 2 });
    const every = flowIntervals(byEpoch, 30);
    const at = (epoch: number) =>
      decideFlow(byEpoch, every, 'epoch', { global_step: 10 * epoch, max_steps: 30, epoch })
        .evaluate;
    expect([1, 2, 3].map(at)).toEqual([false, true, true]);
  });

  it('logs step 1 with logging_first_step, whatever the logging strategy', () => {
    expect(stepsWhere(argsOf({ logging_steps: 4, logging_first_step: true }), 9, 'log')).toEqual([
      1, 4, 8,
    ]);
    expect(stepsWhere(argsOf({ logging_steps: 4 }), 9, 'log')).toEqual([4, 8]);
    const byEpoch = argsOf({ logging_strategy: 'epoch', logging_first_step: true });
    expect(stepsWhere(byEpoch, 9, 'log')).toEqual([1]);
  });

  it('does nothing by steps for the epoch and no strategies', () => {
    const args = argsOf({
      logging_strategy: 'epoch',
      eval_strategy: 'epoch',
      save_strategy: 'epoch',
      logging_steps: 1,
    });
    expect(stepsWhere(args, 6, 'log')).toEqual([]);
    expect(stepsWhere(args, 6, 'evaluate')).toEqual([]);
    expect(stepsWhere(args, 6, 'save')).toEqual([]);
    const off = argsOf({ logging_strategy: 'no', eval_strategy: 'no', save_strategy: 'no' });
    expect(
      decideFlow(off, flowIntervals(off, 6), 'step', { global_step: 6, max_steps: 6, epoch: 1 }),
    ).toEqual({ ...none, stop: true });
  });

  it("saves nothing at a step with save_strategy 'best' (the evaluation decides)", () => {
    const args = argsOf({
      eval_strategy: 'steps',
      eval_steps: 1,
      save_strategy: 'best',
      metric_for_best_model: 'loss',
    });
    expect(stepsWhere(args, 5, 'save')).toEqual([]);
    expect(stepsWhere(args, 5, 'evaluate')).toEqual([1, 2, 3, 4, 5]);
    expect(saveAfterEvaluation(args, false, true)).toBe(true);
    expect(saveAfterEvaluation(args, true, false)).toBe(false);
    // Other strategies keep what the flow planned, whatever the evaluation found.
    const bySteps = argsOf({ save_strategy: 'steps' });
    expect(saveAfterEvaluation(bySteps, true, false)).toBe(true);
    expect(saveAfterEvaluation(bySteps, false, true)).toBe(false);
  });

  it('reads intervals below 1 as a ratio of max_steps, eval_steps defaulting to logging_steps', () => {
    const args = argsOf({ logging_steps: 0.3, save_steps: 0.25, eval_strategy: 'steps' });
    expect(flowIntervals(args, 10)).toEqual({ log: 3, eval: 3, save: 3 });
    expect(flowIntervals(argsOf({ logging_steps: 7, eval_steps: 2 }), 100)).toEqual({
      log: 7,
      eval: 2,
      save: 500,
    });
  });
});

describe('decideFlow at an epoch end', () => {
  it('logs, evaluates and saves where those go by epoch, and never stops', () => {
    const every = { log: 1, eval: 1, save: 1 };
    const at = { global_step: 10, max_steps: 10, epoch: 1 };
    expect(
      decideFlow(
        argsOf({ logging_strategy: 'epoch', eval_strategy: 'epoch', save_strategy: 'epoch' }),
        every,
        'epoch',
        at,
      ),
    ).toEqual({ log: true, evaluate: true, save: true, stop: false });
    expect(decideFlow(argsOf({ eval_strategy: 'steps' }), every, 'epoch', at)).toEqual(none);
  });
});

describe('applyFlow', () => {
  it('sets log/evaluate/save as decided and only ever sets should_training_stop', () => {
    const c = newControl();
    c.should_training_stop = true; // a callback (early stopping) asked for it
    c.should_log = true;
    applyFlow(c, { log: false, evaluate: true, save: false, stop: false });
    expect(c).toMatchObject({
      should_log: false,
      should_evaluate: true,
      should_save: false,
      should_training_stop: true,
    });
    const d = newControl();
    applyFlow(d, { ...none, stop: true });
    expect(d.should_training_stop).toBe(true);
  });
});

describe("the flow over transformers' own Trainer runs", () => {
  const FIXTURES = join(__dirname, '..', 'fixtures');
  it.each(['hf-trainer-run', 'hf-trainer-run-early-stopping', 'hf-trainer-run-epoch-restarts'])(
    '%s: the same max_steps, log steps and evaluation steps',
    (name) => {
      const dir = join(FIXTURES, name);
      const args = argsOf(JSON.parse(readFileSync(join(dir, 'training_args.json'), 'utf8')));
      const hf = JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')) as {
        max_steps: number;
        global_step: number;
        log_history: Record<string, number>[];
      };
      const rows = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n').length - 1;
      const plan = planRun(args, rows);
      expect(plan.maxSteps).toBe(hf.max_steps);
      // The loop's shape: steps per epoch, the flow at each step end and epoch end. Early
      // stopping ended the early-stopping run at its global_step.
      const logs: number[] = [];
      const evals: number[] = [];
      const progress = { global_step: 0, max_steps: plan.maxSteps, epoch: 0 };
      const record = (d: FlowDecision) => {
        if (d.log) logs.push(progress.global_step);
        if (d.evaluate) evals.push(progress.global_step);
      };
      for (let epoch = 0; epoch < Math.ceil(plan.numEpochs); epoch++) {
        let stop = false;
        for (let s = 0; s < plan.stepsPerEpoch && progress.global_step < hf.global_step; s++) {
          progress.global_step += 1;
          progress.epoch = progress.global_step / plan.stepsPerEpoch;
          const d = decideFlow(args, plan.every, 'step', progress);
          record(d);
          stop = d.stop || progress.global_step === hf.global_step;
          if (stop) break;
        }
        record(decideFlow(args, plan.every, 'epoch', progress));
        if (stop) break;
      }
      const stepsOf = (key: string) => hf.log_history.filter((e) => key in e).map((e) => e.step);
      expect(evals).toEqual(stepsOf('eval_loss'));
      // An entry is logged at each log decision with steps since the last one (all of them here).
      expect(logs).toEqual(stepsOf('loss'));
    },
  );
});

describe('best model', () => {
  const state = (best: number | null, step: number) => ({
    best_metric: best,
    best_global_step: null as number | null,
    global_step: step,
  });

  it('takes a strict improvement in the metric direction as the new best, at this step', () => {
    const args = argsOf({ metric_for_best_model: 'loss', save_strategy: 'steps' });
    const s = state(null, 4);
    expect(determineBestMetric(args, s, { eval_loss: 0.5 })).toBe(true);
    expect(s).toEqual({ best_metric: 0.5, best_global_step: 4, global_step: 4 });
    s.global_step = 8;
    expect(determineBestMetric(args, s, { eval_loss: 0.5 })).toBe(false); // equal is not better
    expect(determineBestMetric(args, s, { eval_loss: 0.6 })).toBe(false);
    expect(s.best_global_step).toBe(4);
    expect(determineBestMetric(args, s, { eval_loss: 0.4 })).toBe(true);
    expect(s).toEqual({ best_metric: 0.4, best_global_step: 8, global_step: 8 });
  });

  it('reads greater_is_better (accuracy up), keeps no best step without saving, names a missing metric', () => {
    const acc = argsOf({ metric_for_best_model: 'accuracy', save_strategy: 'no' });
    expect(greaterIsBetter(acc)).toBe(true);
    const s = state(0.5, 3);
    expect(determineBestMetric(acc, s, { eval_accuracy: 0.4 })).toBe(false);
    expect(determineBestMetric(acc, s, { eval_accuracy: 0.7 })).toBe(true);
    expect(s).toEqual({ best_metric: 0.7, best_global_step: null, global_step: 3 });
    expect(() => determineBestMetric(acc, s, { eval_loss: 1 })).toThrow(
      /metric_for_best_model is 'eval_accuracy'.*eval_loss/,
    );
    expect(determineBestMetric(argsOf({}), s, { eval_loss: 0 })).toBe(false);
  });

  it('becomes best_model_checkpoint once the best step is saved', () => {
    const st = { best_global_step: 4, best_model_checkpoint: null };
    expect(bestModelCheckpoint(st, 'out', 'checkpoint-4', [])).toBe('out/checkpoint-4');
    expect(bestModelCheckpoint(st, 'out', 'checkpoint-8', ['checkpoint-4'])).toBe(
      'out/checkpoint-4',
    );
    expect(bestModelCheckpoint(st, 'out', 'checkpoint-8', ['checkpoint-2'])).toBeNull();
    expect(
      bestModelCheckpoint(
        { best_global_step: null, best_model_checkpoint: 'out/checkpoint-2' },
        'out',
        'checkpoint-8',
        [],
      ),
    ).toBe('out/checkpoint-2');
  });

  it('isImprovement needs more than the threshold', () => {
    expect(isImprovement(0.5, null, false, 0.1)).toBe(true);
    expect(isImprovement(0.45, 0.5, false, 0.1)).toBe(false);
    expect(isImprovement(0.35, 0.5, false, 0.1)).toBe(true);
    expect(isImprovement(0.65, 0.5, true, 0.1)).toBe(true);
    expect(isImprovement(0.55, 0.5, true, 0.1)).toBe(false);
  });
});

describe('EarlyStoppingCallback', () => {
  it('counts evaluations without improvement on the best so far, and exports its counter', () => {
    const args = argsOf({
      eval_strategy: 'steps',
      metric_for_best_model: 'loss',
      early_stopping_patience: 2,
      early_stopping_threshold: 0.01,
    });
    const cb = EarlyStoppingCallback.fromArgs(args)!;
    const control = newControl();
    let best: number | null = null;
    const stopsAt: number[] = [];
    // 0.60 best; 0.70 worse (1); 0.65 better than 0.70 but not the best (2): stop.
    const values = [0.8, 0.6, 0.7, 0.65];
    values.forEach((v, i) => {
      const st = { best_metric: best } as Parameters<EarlyStoppingCallback['on_evaluate']>[1];
      cb.on_evaluate(args, st, control, { eval_loss: v });
      if (control.should_training_stop && stopsAt.length === 0) stopsAt.push(i);
      if (best === null || v < best) best = v; // the trainer's best after the callback
    });
    expect(stopsAt).toEqual([3]);
    expect(cb.exportState()).toEqual({
      args: { early_stopping_patience: 2, early_stopping_threshold: 0.01 },
      attributes: { early_stopping_patience_counter: 2 },
    });
    expect(statefulCallbacks(control, [cb])).toEqual({
      TrainerControl: {
        args: {
          should_epoch_stop: false,
          should_evaluate: false,
          should_log: false,
          should_save: true,
          should_training_stop: true,
        },
        attributes: {},
      },
      EarlyStoppingCallback: cb.exportState(),
    });
    expect(EarlyStoppingCallback.fromArgs(argsOf({}))).toBeNull();
  });

  it('resets on an improvement larger than the threshold only', () => {
    const args = argsOf({
      eval_strategy: 'steps',
      metric_for_best_model: 'loss',
      early_stopping_patience: 2,
      early_stopping_threshold: 0.05,
    });
    const cb = EarlyStoppingCallback.fromArgs(args)!;
    const control = newControl();
    const st = (best: number) =>
      ({ best_metric: best }) as Parameters<EarlyStoppingCallback['on_evaluate']>[1];
    cb.on_evaluate(args, st(0.5), control, { eval_loss: 0.47 }); // better, but by 0.03
    expect(control.should_training_stop).toBe(false);
    cb.on_evaluate(args, st(0.47), control, { eval_loss: 0.4 }); // by 0.07: reset
    cb.on_evaluate(args, st(0.4), control, { eval_loss: 0.38 });
    expect(control.should_training_stop).toBe(false);
    cb.on_evaluate(args, st(0.38), control, { eval_loss: 0.37 });
    expect(control.should_training_stop).toBe(true);
  });
});

describe('checkpointsToRotate', () => {
  it('deletes the oldest beyond save_total_limit, never the best', () => {
    const names = ['checkpoint-8', 'checkpoint-2', 'checkpoint-10', 'checkpoint-4', 'notes'];
    expect(checkpointsToRotate(names, null, null)).toEqual([]);
    expect(checkpointsToRotate(names, 0, null)).toEqual([]);
    expect(checkpointsToRotate(names, 2, null)).toEqual(['checkpoint-2', 'checkpoint-4']);
    expect(checkpointsToRotate(names, 2, 'checkpoint-2')).toEqual(['checkpoint-4', 'checkpoint-8']);
    expect(checkpointsToRotate(names, 5, null)).toEqual([]);
  });

  it('keeps two with limit 1 when the best is not the newest (as transformers)', () => {
    const names = ['checkpoint-3', 'checkpoint-6', 'checkpoint-9'];
    expect(checkpointsToRotate(names, 1, 'checkpoint-3')).toEqual(['checkpoint-6']);
    expect(checkpointsToRotate(names, 1, 'checkpoint-9')).toEqual(['checkpoint-3', 'checkpoint-6']);
    expect(checkpointStep('checkpoint-12')).toBe(12);
    expect(checkpointStep('checkpoint-x')).toBeNaN();
  });
});
