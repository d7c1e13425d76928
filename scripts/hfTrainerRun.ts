/**
 * Holds a studio run against a run of transformers' own Trainer (a folder as
 * tests/fixtures/hf-trainer-run: checkpoint/, train.csv, validation.csv, training_args.json,
 * trainer_state.json, final_logits.json) and reports the worst difference per logged key.
 * Used by the unit tests and by `npm run compare:hf-run -- <folder>`.
 *
 * Tolerances: loss and grad_norm within 1e-3 relative, learning_rate exact, final probabilities
 * within 1e-4 ({@link TOLERANCES}, {@link PROBABILITY_TOLERANCE}); or, where the folder also
 * holds the same run under `OMP_NUM_THREADS=1` (`trainer_state_1thread.json`,
 * `final_logits_1thread.json`), within twice transformers' own spread between its two runs when
 * that is larger (some families' runs are that sensitive to the order of float sums).
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** |p_studio - p_transformers| allowed for the final probabilities (before the spread rule). */
export const PROBABILITY_TOLERANCE = 1e-4;

/** The worst difference seen for one key, and where. */
export interface KeyReport {
  key: string;
  kind: 'relative' | 'exact';
  tol: number;
  compared: number;
  worst: number;
  worstStep: number | null;
  /** Transformers' own worst difference between its default and 1-thread runs (null: no such run). */
  spread: number | null;
  ok: boolean;
}

export interface RunComparison {
  /** Problems that are not a number off: missing or extra entries, other steps, other keys. */
  structural: string[];
  keys: KeyReport[];
  /** global_step, best_global_step, best_metric, stateful_callbacks. */
  state: { key: string; hf: unknown; studio: unknown; ok: boolean }[];
  /**
   * Largest |p_studio - softmax(hf final logits)| over the validation rows; `tol` the bound it
   * is held to, `spread` transformers' own between its two runs (null: no 1-thread run).
   */
  probabilities: {
    worst: number;
    rows: number;
    tol: number;
    spread: number | null;
    ok: boolean;
  } | null;
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

/** Softmax of one row of logits. */
export function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

type State = { log_history: Entry[] } & Record<string, unknown>;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Per key, the worst difference between two runs' log_history (same steps assumed). */
function historySpread(a: Entry[], b: Entry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (const key of Object.keys(a[i])) {
      const t = TOLERANCES[key];
      if (!t || !(key in b[i])) continue;
      out.set(key, Math.max(out.get(key) ?? 0, diff(t.kind, a[i][key], b[i][key])));
    }
  }
  return out;
}

/** The worst |p - q| between the softmax of two logits tables. */
function probabilitySpread(a: number[][], b: number[][]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [p, q] = [softmax(a[i]), softmax(b[i])];
    p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - q[j]))));
  }
  return worst;
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
  const hf = readJson<State>(join(fixtureDir, 'trainer_state.json'));
  const oneThreadState = join(fixtureDir, 'trainer_state_1thread.json');
  const spreads = existsSync(oneThreadState)
    ? historySpread(hf.log_history, readJson<State>(oneThreadState).log_history)
    : null;
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
      const spread = spreads ? (spreads.get(key) ?? 0) : null;
      const r = reports.get(key) ?? {
        key,
        kind: t.kind,
        tol: Math.max(t.tol, 2 * (spread ?? 0)),
        compared: 0,
        worst: 0,
        worstStep: null,
        spread,
        ok: true,
      };
      const d = diff(t.kind, h[key], s[key]);
      r.compared += 1;
      if (d > r.worst || Number.isNaN(d)) {
        r.worst = d;
        r.worstStep = h.step;
      }
      r.ok = r.ok && d <= r.tol;
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
    const logits = readJson<{ logits: number[][] }>(join(fixtureDir, 'final_logits.json')).logits;
    const oneThreadLogits = join(fixtureDir, 'final_logits_1thread.json');
    const spread = existsSync(oneThreadLogits)
      ? probabilitySpread(logits, readJson<{ logits: number[][] }>(oneThreadLogits).logits)
      : null;
    const tol = Math.max(PROBABILITY_TOLERANCE, 2 * (spread ?? 0));
    let worst = 0;
    if (logits.length !== studioProbs.length) {
      structural.push(`${studioProbs.length} predictions for ${logits.length} rows of logits`);
    }
    for (let i = 0; i < Math.min(logits.length, studioProbs.length); i++) {
      const p = softmax(logits[i]);
      p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (studioProbs[i][j] ?? NaN)))));
    }
    probabilities = { worst, rows: logits.length, tol, spread, ok: worst <= tol };
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
  const lines = [
    'key               compared  worst        (tolerance)           at step  ok  torch 1-thread spread',
  ];
  for (const k of c.keys) {
    lines.push(
      `${k.key.padEnd(18)}${String(k.compared).padStart(8)}  ${k.worst.toExponential(2).padEnd(12)} ` +
        `(${k.kind} ${k.tol.toExponential(2)})`.padEnd(22) +
        `${String(k.worstStep ?? '-').padStart(8)}  ${k.ok ? 'yes' : 'NO '} ` +
        `${k.spread === null ? '-' : k.spread.toExponential(2)}`,
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
        `${c.probabilities.rows} rows (tolerance ${c.probabilities.tol.toExponential(2)}` +
        `${c.probabilities.spread === null ? '' : `, torch 1-thread spread ${c.probabilities.spread.toExponential(2)}`}` +
        `) ${c.probabilities.ok ? 'ok' : 'NO'}`,
    );
  }
  for (const s of c.structural) lines.push(`structure: ${s}`);
  lines.push(c.ok ? 'reproduced' : 'NOT reproduced');
  return lines.join('\n');
}
