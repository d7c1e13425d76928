/**
 * Where a run computes, beyond transformers' arguments: how many workers share each batch (data
 * parallel, as `studio train --num_replicas`). The page's setting (the compute panel); a run
 * config keeps it under `compute`. Defined once; see `fields.ts`.
 */
import { z } from 'zod';
import { configField, defaultsOf, limitedNumber, type NumberLimits } from './fields';

/** Workers a page may start (one per core up to this; more cores gain little at these sizes). */
export const MAX_WORKERS = 8;
const WORKERS: NumberLimits = { min: 1, max: MAX_WORKERS, integer: true };

export const COMPUTE_FIELDS = {
  num_replicas: configField(
    limitedNumber(WORKERS).nullable(),
    null,
    'workers that share each batch (data parallel on the wasm backend: each computes the gradients of its share, one optimizer step on their sum; with dropout 0 the run equals a one-worker run up to rounding); 1 = a single worker',
    'number',
    { limits: WORKERS, shownDefault: 'one per core' },
  ),
};

export type ComputeArguments = {
  [K in keyof typeof COMPUTE_FIELDS]: z.infer<(typeof COMPUTE_FIELDS)[K]['schema']>;
};
export const defaultComputeArguments = (): ComputeArguments => defaultsOf(COMPUTE_FIELDS);
