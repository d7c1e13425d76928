/**
 * Holds a studio run against a run of transformers' own Trainer (a folder as
 * tests/fixtures/hf-trainer-run: checkpoint/, train.csv, validation.csv, training_args.json,
 * trainer_state.json, final_logits.json) and reports the worst difference per logged key.
 * Used by the unit test and by `npm run compare:hf-run -- <folder>`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Entry = Record<string, number>;

/** How each logged key is compared; keys not listed (runtimes, speeds) are not compared. */
export const TOLERANCES: Record<string, { kind: 'relative' | 'exact'; tol: number }> = {
  loss: { kind: 'relative', tol: 1e-3 },
  grad_norm: { kind: 'relative', tol: 1e-3 },
  learning_rate: { kind: 'exact', tol: 0 },
  epoch: { kind: 'exact', tol: 0 },
  eval_loss: { kind: 'relative', tol: 1e-3 },
  eval_accuracy: { kind: 'exact', tol: 0 },
  train_loss: { kind: 'relative', tol: 1e-3 },
  total_flos: { kind: 'exact', tol: 0 },
};

/** The worst difference seen for one key, and where. */
export interface KeyReport {
  key: string;
  kind: 'relative' | 'exact';
  tol: number;
  compared: number;
  worst: number;
  worstStep: number | null;
  ok: boolean;
}

export interface RunComparison {
  /** Problems that are not a number off: missing or extra entries, other steps, other keys. */
  structural: string[];
  keys: KeyReport[];
  /** global_step, best_global_step, best_metric, stateful_callbacks. */
  state: { key: string; hf: unknown; studio: unknown; ok: boolean }[];
  /** Largest |p_studio - softmax(hf final logits)| over the validation rows. */
  probabilities: { worst: number; rows: number; ok: boolean } | null;
  ok: boolean;
}

const diff = (kind: 'relative' | 'exact', hf: number, ours: number): number =>
  kind === 'exact'
    ? Math.abs(hf - ours)
    : Math.abs(hf - ours) / Math.max(Math.abs(hf), Number.MIN_VALUE);

/** JSON with object keys sorted, to compare nested values whatever their key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/**
 * Compares the studio's trainer_state.json (`studioState`) and predicted probabilities
 * (`studioProbs`, validation rows in file order) with the reference run in `fixtureDir`.
 */
export function compareRuns(
  fixtureDir: string,
  studioState: { log_history: Entry[] } & Record<string, unknown>,
  studioProbs: number[][] | null,
): RunComparison {
  const hf = JSON.parse(readFileSync(join(fixtureDir, 'trainer_state.json'), 'utf8')) as {
    log_history: Entry[];
  } & Record<string, unknown>;
  const structural: string[] = [];
  const reports = new Map<string, KeyReport>();
  const a = hf.log_history;
  const b = studioState.log_history;
  if (a.length !== b.length) {
    structural.push(`log_history has ${b.length} entries; transformers' has ${a.length}`);
  }
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [h, s] = [a[i], b[i]];
    if (h.step !== s.step) structural.push(`entry ${i}: step ${s.step}, transformers' ${h.step}`);
    for (const key of Object.keys(h)) {
      if (!(key in s)) {
        structural.push(`entry ${i} (step ${h.step}) lacks ${key}`);
        continue;
      }
      const t = TOLERANCES[key];
      if (!t) continue;
      const r = reports.get(key) ?? {
        key,
        ...t,
        compared: 0,
        worst: 0,
        worstStep: null,
        ok: true,
      };
      const d = diff(t.kind, h[key], s[key]);
      r.compared += 1;
      if (d > r.worst || Number.isNaN(d)) {
        r.worst = d;
        r.worstStep = h.step;
      }
      r.ok = r.ok && d <= t.tol;
      reports.set(key, r);
    }
  }
  const state = [
    { key: 'global_step', hf: hf.global_step, studio: studioState.global_step },
    { key: 'best_global_step', hf: hf.best_global_step, studio: studioState.best_global_step },
    { key: 'best_metric', hf: hf.best_metric, studio: studioState.best_metric },
    {
      key: 'stateful_callbacks',
      hf: canonical(hf.stateful_callbacks),
      studio: canonical(studioState.stateful_callbacks),
    },
  ].map((x) => ({
    ...x,
    ok:
      typeof x.hf === 'number' && typeof x.studio === 'number' && x.key === 'best_metric'
        ? diff('relative', x.hf, x.studio) <= 1e-3
        : x.hf === x.studio,
  }));
  let probabilities: RunComparison['probabilities'] = null;
  if (studioProbs) {
    const logits = (
      JSON.parse(readFileSync(join(fixtureDir, 'final_logits.json'), 'utf8')) as {
        logits: number[][];
      }
    ).logits;
    let worst = 0;
    if (logits.length !== studioProbs.length) {
      structural.push(`${studioProbs.length} predictions for ${logits.length} rows of logits`);
    }
    for (let i = 0; i < Math.min(logits.length, studioProbs.length); i++) {
      const p = softmax(logits[i]);
      p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (studioProbs[i][j] ?? NaN)))));
    }
    probabilities = { worst, rows: logits.length, ok: worst <= 1e-3 };
  }
  const keys = [...reports.values()];
  return {
    structural,
    keys,
    state,
    probabilities,
    ok:
      structural.length === 0 &&
      keys.every((k) => k.ok) &&
      state.every((s) => s.ok) &&
      (probabilities?.ok ?? true),
  };
}

/** The comparison as a table for people: worst difference per key, then the state and probabilities. */
export function formatComparison(c: RunComparison): string {
  const lines = ['key               compared  worst        (tolerance)      at step  ok'];
  for (const k of c.keys) {
    lines.push(
      `${k.key.padEnd(18)}${String(k.compared).padStart(8)}  ${k.worst.toExponential(2).padEnd(12)} ` +
        `(${k.kind} ${k.tol})`.padEnd(17) +
        `${String(k.worstStep ?? '-').padStart(8)}  ${k.ok ? 'yes' : 'NO'}`,
    );
  }
  for (const s of c.state) {
    lines.push(
      `${s.key}: studio ${String(s.studio)}, transformers ${String(s.hf)} ${s.ok ? 'ok' : 'DIFFERENT'}`,
    );
  }
  if (c.probabilities) {
    lines.push(
      `final probabilities: worst |difference| ${c.probabilities.worst.toExponential(2)} over ` +
        `${c.probabilities.rows} rows (tolerance 1e-3) ${c.probabilities.ok ? 'ok' : 'NO'}`,
    );
  }
  for (const s of c.structural) lines.push(`structure: ${s}`);
  lines.push(c.ok ? 'reproduced' : 'NOT reproduced');
  return lines.join('\n');
}
