/**
 * What a pool worker does with one shard, host-independent: build (or reuse) the tokenizer,
 * encode the rows with the fast WordPiece path where it applies, and hand back typed arrays.
 */
import { errorToWire, StudioError, type ErrorOnWire } from '../util/errors';
import { encodeDataset } from './encode';
import { withFastEncode } from './fastWordPiece';
import type { ShardRequest, ShardResult } from './parallel';
import { loadTokenizer, type Tokenizer } from './tokenizer';

let held: { key: string; tok: Tokenizer } | null = null;

/** Encode one shard; throws when the worker has no tokenizer for `req.tokenizerKey`. */
export async function runShard(req: ShardRequest): Promise<ShardResult> {
  if (!held || held.key !== req.tokenizerKey) {
    if (!req.tokenizerFiles)
      throw new StudioError('internal', `tokenizer ${req.tokenizerKey} was not sent`);
    held = { key: req.tokenizerKey, tok: withFastEncode(await loadTokenizer(req.tokenizerFiles)) };
  }
  const ds = encodeDataset(held.tok, req.texts, req.pairs, req.maxLength);
  return { ids: ds.ids, offsets: ds.offsets, typeIds: ds.typeIds, truncated: ds.truncated };
}

/** A pool worker's answer to one shard: its result, or its error with the code and remedy kept. */
export type ShardReply = { ok: true; result: ShardResult } | { ok: false; error: ErrorOnWire };

/** The reply for a shard that failed (`errorFromWire` rebuilds the error on the pool's side). */
export function shardFailure(e: unknown): ShardReply {
  return { ok: false, error: errorToWire(e) };
}

/** The buffers of a shard result, for `postMessage`'s transfer list. */
export function shardTransfer(r: ShardResult): ArrayBuffer[] {
  const out = [r.ids.buffer as ArrayBuffer, r.offsets.buffer as ArrayBuffer];
  if (r.typeIds) out.push(r.typeIds.buffer as ArrayBuffer);
  return out;
}
