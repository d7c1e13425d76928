/**
 * Rows of an encoded dataset picked out by text: lets a pool encode every row of a file once,
 * in parallel, and the (synchronous) split code then take its train and validation rows from
 * that result instead of tokenizing them again.
 */
import type { EncodedDataset } from './encode';
import type { Tokenizer } from './tokenizer';

/**
 * An encoder with `encodeDataset`'s signature (less the tokenizer) that copies rows from `all`
 * (the encoding of `texts`/`pairs` at `maxLength`) and falls back to `tok` for texts it lacks
 * (e.g. a separate validation file). Equal texts encode equally, so lookup is by text.
 * `all` holds only a truncated count, so rows exactly `maxLength` long are re-measured with `tok`
 * (without truncation) to count truncations exactly.
 */
export function encoderFromRows(
  tok: Tokenizer,
  all: EncodedDataset,
  texts: readonly string[],
  pairs: readonly string[] | null,
  maxLength: number,
): (texts: string[], pairs: string[] | null, maxLength: number) => EncodedDataset {
  const keyOf = (t: string, p: string | undefined) => (p === undefined ? t : `${t}\u0000${p}`);
  const row = new Map<string, number>();
  for (let i = 0; i < texts.length; i++) row.set(keyOf(texts[i], pairs?.[i]), i);
  return (sub, subPairs, max) => {
    const n = sub.length;
    const offsets = new Uint32Array(n + 1);
    const src = new Array<number>(n);
    const misses: { i: number; ids: number[]; typeIds: number[] }[] = [];
    let truncated = 0;
    for (let i = 0; i < n; i++) {
      const r = max === maxLength ? row.get(keyOf(sub[i], subPairs?.[i])) : undefined;
      let len: number;
      if (r === undefined) {
        const enc = tok.encode(sub[i], subPairs?.[i], max);
        misses.push({ i, ids: enc.ids, typeIds: enc.typeIds });
        if (enc.truncated) truncated++;
        src[i] = -1;
        len = enc.ids.length;
      } else {
        src[i] = r;
        len = all.offsets[r + 1] - all.offsets[r];
        if (len === max && tok.encode(sub[i], subPairs?.[i]).ids.length > max) truncated++;
      }
      offsets[i + 1] = offsets[i] + len;
    }
    const total = offsets[n];
    const ids: Uint16Array | Int32Array =
      all.ids instanceof Int32Array ? new Int32Array(total) : new Uint16Array(total);
    const typeIds = subPairs ? new Uint8Array(total) : null;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const r = src[i];
      if (r >= 0) {
        ids.set(all.ids.subarray(all.offsets[r], all.offsets[r + 1]), offsets[i]);
        if (typeIds && all.typeIds) {
          typeIds.set(all.typeIds.subarray(all.offsets[r], all.offsets[r + 1]), offsets[i]);
        }
      } else {
        const miss = misses[m++];
        ids.set(miss.ids, offsets[i]);
        if (typeIds) typeIds.set(miss.typeIds, offsets[i]);
      }
    }
    return { ids, offsets, typeIds, truncated };
  };
}
