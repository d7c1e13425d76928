/**
 * Terminal output for a training run: a live progress bar with loss and ETA on a TTY, HF-style
 * log lines (`{'loss': 0.52, 'grad_norm': 1.3, 'learning_rate': 4.9e-05, 'epoch': 0.1}`) otherwise.
 */
import type { TrainerCallback } from '../core/train/callbacks';
import type { LogEntry } from '../core/train/state';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${pad(m)}:${pad(r)}`;
}

/** A log entry printed the way HF's Trainer prints it. */
export function formatLogLine(entry: LogEntry): string {
  const parts = Object.entries(entry)
    .filter(([k]) => k !== 'step')
    .map(([k, v]) => `'${k}': ${typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)}`);
  return `{${parts.join(', ')}}`;
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(6)));
}

export function progressCallback(out: NodeJS.WriteStream): TrainerCallback {
  const tty = Boolean(out.isTTY);
  let lastLoss: number | null = null;
  let lastDraw = 0;
  let drawn = false;
  const clear = () => {
    if (tty && drawn) out.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    on_step_end(_args, state) {
      if (!tty) return;
      const t = Date.now();
      if (t - lastDraw < 100 && state.global_step < state.max_steps) return;
      lastDraw = t;
      const frac = state.max_steps > 0 ? state.global_step / state.max_steps : 0;
      const width = 28;
      const filled = Math.round(frac * width);
      const rate = state.elapsed > 0 ? state.global_step / state.elapsed : 0;
      const eta = rate > 0 ? (state.max_steps - state.global_step) / rate : NaN;
      const loss = lastLoss === null ? '' : ` loss ${lastLoss.toFixed(4)}`;
      out.write(
        `\r\x1b[2K${(frac * 100).toFixed(0).padStart(3)}%|${'█'.repeat(filled)}${' '.repeat(width - filled)}| ` +
          `${state.global_step}/${state.max_steps} [${formatDuration(state.elapsed)}<${formatDuration(eta)}, ` +
          `${rate.toFixed(2)} it/s]${loss} epoch ${state.epoch.toFixed(2)}`,
      );
      drawn = true;
    },
    on_log(_args, _state, _control, entry) {
      if ('loss' in entry) lastLoss = entry.loss;
      clear();
      out.write(`${formatLogLine(entry)}\n`);
    },
    on_train_end() {
      clear();
    },
  };
}
