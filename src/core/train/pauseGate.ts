/** Pausing a run between steps: nothing is lost while paused, and a stop request still gets through. */
export class PauseGate {
  private gate: { promise: Promise<void>; release: () => void } | null = null;
  /** Resolved once the loop waits at the gate (the weights hold still) or the gate opens. */
  private parked: { promise: Promise<void>; resolve: () => void } | null = null;

  get paused(): boolean {
    return this.gate !== null;
  }

  pause(): void {
    if (this.gate) return;
    let release = () => {};
    const promise = new Promise<void>((r) => (release = r));
    this.gate = { promise, release };
    let resolve = () => {};
    this.parked = { promise: new Promise<void>((r) => (resolve = r)), resolve };
  }

  /** Opens the gate: a paused run goes on with its next step. */
  unpause(): void {
    const g = this.gate;
    this.gate = null;
    this.parked?.resolve();
    this.parked = null;
    g?.release();
  }

  /**
   * Resolves once no step runs: at once when not paused or already waiting at the gate, else
   * when the step in flight has ended and the loop reached the gate (or the gate opened).
   */
  settled(): Promise<void> {
    return this.parked?.promise ?? Promise.resolve();
  }

  /** Resolves once the run is not paused, or once `stopped()` (checked at each wake-up). */
  async wait(stopped: () => boolean): Promise<void> {
    if (this.gate) this.parked?.resolve();
    while (this.gate && !stopped()) await this.gate.promise;
  }
}
