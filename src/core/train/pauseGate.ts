/** Pausing a run between steps: nothing is lost while paused, and a stop request still gets through. */
export class PauseGate {
  private gate: { promise: Promise<void>; release: () => void } | null = null;

  get paused(): boolean {
    return this.gate !== null;
  }

  pause(): void {
    if (this.gate) return;
    let release = () => {};
    const promise = new Promise<void>((r) => (release = r));
    this.gate = { promise, release };
  }

  resume(): void {
    const g = this.gate;
    this.gate = null;
    g?.release();
  }

  /** Resolves once the run is not paused, or once `stopped()` (checked at each wake-up). */
  async wait(stopped: () => boolean): Promise<void> {
    while (this.gate && !stopped()) await this.gate.promise;
  }
}
