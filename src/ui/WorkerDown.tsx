/**
 * Shown when the training worker died (a crash) or lost its GPU device: what happened and the
 * way back. "Restart worker" boots a fresh worker (a fresh GPU device) and reloads the data;
 * "Use WASM instead" restarts on the CPU backend. An interrupted run then resumes from its last
 * checkpoint in Run history.
 */
interface Props {
  /** The worker's message (why it stopped), or null when all is well. */
  message: string | null;
  /** The backend in use, to offer WASM only when it is not already WASM. */
  backend: string | null;
  onRestart: () => void;
  onUseWasm: () => void;
}

export function WorkerDown({ message, backend, onRestart, onUseWasm }: Props) {
  if (!message) return null;
  return (
    <section className="worker-down" aria-labelledby="worker-down-title" data-testid="worker-down">
      <h2 id="worker-down-title">The training worker stopped</h2>
      <p>
        Nothing runs until it restarts. Stored runs stay in Run history: an interrupted run resumes
        from its last checkpoint.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={onRestart}>
          Restart worker
        </button>
        {backend !== 'wasm' && (
          <button type="button" onClick={onUseWasm}>
            Use WASM instead
          </button>
        )}
      </div>
    </section>
  );
}
