/**
 * Where a data-parallel step's time goes (`ParallelGradients.timings`, read by
 * `npm run bench:step`): milliseconds summed over steps.
 */

/**
 * Batch assembly (collating, labels, cutting shares), sending weights to the replicas, this
 * thread's forward/backward, reading its gradients back, waiting for the other replicas after
 * that, summing the shares' gradients into tensors; and the replicas' own time on their steps
 * as they report it.
 */
export interface StepTimings {
  steps: number;
  assemble: number;
  broadcast: number;
  mainForwardBackward: number;
  mainRead: number;
  wait: number;
  sum: number;
  replicaCompute: number;
}

export function emptyTimings(): StepTimings {
  return {
    steps: 0,
    assemble: 0,
    broadcast: 0,
    mainForwardBackward: 0,
    mainRead: 0,
    wait: 0,
    sum: 0,
    replicaCompute: 0,
  };
}

/** The parts a step's own clock times, one after the other. */
export type StepPart = Exclude<keyof StepTimings, 'steps' | 'replicaCompute'>;

/** A clock from now: each call adds the time since the last one (or since now) to `part`. */
export function lapTimer(timings: StepTimings): (part: StepPart) => void {
  let t = performance.now();
  return (part) => {
    const now = performance.now();
    timings[part] += now - t;
    t = now;
  };
}
