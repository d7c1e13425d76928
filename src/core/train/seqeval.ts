/**
 * Entity metrics as `evaluate.load("seqeval")` computes them in the token-classification guide:
 * seqeval's default mode (conlleval-style chunking, `seqeval.metrics.sequence_labeling`), micro
 * precision / recall / F1 over entities matched by type and exact span, accuracy over tags, and
 * the same per entity type with its gold count (`number`). Written from seqeval 1.2's rules:
 *
 * - A tag's chunk tag is its first character and its type what follows the first "-" after it
 *   ("B-PER" -> B, PER; "O" -> O, "_"); the sentences are joined with an "O" after each.
 * - A chunk ends before a tag when the previous tag was E or S; B or I followed by B, S or O; or
 *   the type changes (after anything but O).
 * - A chunk starts at B or S; at E or I after E, S or O; or where the type changes (on anything
 *   but O).
 * - Zero divisions give 0 (zero_division="warn"); per-type rows are the types of the gold and
 *   predicted entities, sorted.
 *
 * tests/python/seqeval_rules.py states the same rules in Python for the "Run it elsewhere" bundle.
 */
import type {
  EntityConfusion,
  EntityTypeScores,
  TaggedSentenceResult,
  TokenClassificationMetrics,
  WordSpan,
} from '../data/taggedTypes';

function chunkOf(tag: string): { tag: string; type: string } {
  const chars = Array.from(tag);
  const rest = chars.slice(1).join('');
  const dash = rest.indexOf('-');
  return { tag: chars[0] ?? '', type: (dash < 0 ? rest : rest.slice(dash + 1)) || '_' };
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) {
    return true;
  }
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) {
    return true;
  }
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/** seqeval's `get_entities` over a flat sequence: (type, first, last) with `last` inclusive. */
function getEntities(seq: readonly string[]): [string, number, number][] {
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  const chunks: [string, number, number][] = [];
  for (let i = 0; i <= seq.length; i++) {
    const { tag, type } = i < seq.length ? chunkOf(seq[i]) : { tag: 'O', type: '_' };
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push([prevType, begin, i - 1]);
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  }
  return chunks;
}

/** The entities of one sentence's tags, as seqeval's default mode reads them. */
export function entitySpans(tags: readonly string[]): WordSpan[] {
  return getEntities(tags).map(([type, start, last]) => ({ type, start, end: last + 1 }));
}

/**
 * Each sentence's entities, found as seqeval finds them in a list of sentences (joined with an
 * "O" after each).
 */
export function sentenceEntities(sentences: readonly (readonly string[])[]): WordSpan[][] {
  const flat: string[] = [];
  const starts: number[] = [];
  for (const s of sentences) {
    starts.push(flat.length);
    for (const t of s) flat.push(t);
    flat.push('O');
  }
  const out: WordSpan[][] = sentences.map(() => []);
  let s = 0;
  for (const [type, first, last] of getEntities(flat)) {
    while (s + 1 < starts.length && starts[s + 1] <= first) s++;
    out[s].push({ type, start: first - starts[s], end: last + 1 - starts[s] });
  }
  return out;
}

function checkLengths(gold: readonly (readonly string[])[], pred: readonly (readonly string[])[]) {
  if (gold.length !== pred.length) {
    throw new RangeError(`${gold.length} gold sentences but ${pred.length} predicted`);
  }
  gold.forEach((g, i) => {
    if (g.length !== pred[i].length) {
      throw new RangeError(`sentence ${i}: ${g.length} gold tags but ${pred[i].length} predicted`);
    }
  });
}

const key = (s: number, e: WordSpan) => `${s}\u0000${e.start}\u0000${e.end}`;

/** Gold / predicted entity keys per type. */
function byType(spans: WordSpan[][]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  spans.forEach((list, s) => {
    for (const e of list) {
      let set = out.get(e.type);
      if (!set) out.set(e.type, (set = new Set()));
      set.add(key(s, e));
    }
  });
  return out;
}

/** Python's `sorted` on strings: by code point. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function prf(tp: number, predicted: number, actual: number) {
  const precision = predicted > 0 ? tp / predicted : 0;
  const recall = actual > 0 ? tp / actual : 0;
  const denom = precision + recall;
  const f1 = denom > 0 ? (2 * precision * recall) / denom : 0;
  return { precision, recall, f1 };
}

/** seqeval's overall and per-type scores and tag accuracy (see the module comment). */
export function seqevalMetrics(
  gold: readonly (readonly string[])[],
  pred: readonly (readonly string[])[],
): TokenClassificationMetrics {
  checkLengths(gold, pred);
  const g = byType(sentenceEntities(gold));
  const p = byType(sentenceEntities(pred));
  const types = [...new Set([...g.keys(), ...p.keys()])].sort(byCodePoint);
  let tpAll = 0;
  let predAll = 0;
  let trueAll = 0;
  const perType: EntityTypeScores[] = types.map((type) => {
    const gs = g.get(type) ?? new Set<string>();
    const ps = p.get(type) ?? new Set<string>();
    let tp = 0;
    for (const k of ps) if (gs.has(k)) tp++;
    tpAll += tp;
    predAll += ps.size;
    trueAll += gs.size;
    return { type, ...prf(tp, ps.size, gs.size), number: gs.size };
  });
  let correct = 0;
  let total = 0;
  gold.forEach((s, i) => {
    s.forEach((t, j) => {
      if (t === pred[i][j]) correct++;
      total++;
    });
  });
  return { ...prf(tpAll, predAll, trueAll), accuracy: total > 0 ? correct / total : 0, perType };
}

/**
 * Entity types confused, by exact span: gold type (rows) x predicted type (columns), the last
 * column "missed" (no predicted entity on that span) and the last row "spurious" (no gold entity
 * on that span). Types met but not in `types` are added after them.
 */
export function entityConfusion(
  gold: readonly (readonly string[])[],
  pred: readonly (readonly string[])[],
  types: readonly string[],
): EntityConfusion {
  checkLengths(gold, pred);
  const g = sentenceEntities(gold);
  const p = sentenceEntities(pred);
  const all = [...types];
  for (const list of [...g, ...p])
    for (const e of list) if (!all.includes(e.type)) all.push(e.type);
  const n = all.length + 1;
  const counts = new Array<number>(n * n).fill(0);
  const idx = new Map(all.map((t, i) => [t, i]));
  g.forEach((golds, s) => {
    const predAt = new Map(p[s].map((e) => [key(s, e), e.type]));
    const goldAt = new Set(golds.map((e) => key(s, e)));
    for (const e of golds) {
      const hit = predAt.get(key(s, e));
      counts[(idx.get(e.type) ?? 0) * n + (hit === undefined ? n - 1 : (idx.get(hit) ?? 0))]++;
    }
    for (const e of p[s]) {
      if (!goldAt.has(key(s, e))) counts[(n - 1) * n + (idx.get(e.type) ?? 0)]++;
    }
  });
  return { types: all, counts };
}

/** Each sentence with its gold and predicted entities and how many differ (exact span and type). */
export function sentenceResults(
  words: readonly (readonly string[])[],
  gold: readonly (readonly string[])[],
  pred: readonly (readonly string[])[],
): TaggedSentenceResult[] {
  checkLengths(gold, pred);
  const g = sentenceEntities(gold);
  const p = sentenceEntities(pred);
  return words.map((w, row) => {
    const id = (e: WordSpan) => `${e.type}\u0000${e.start}\u0000${e.end}`;
    const gs = new Set(g[row].map(id));
    const ps = new Set(p[row].map(id));
    let errors = 0;
    for (const k of gs) if (!ps.has(k)) errors++;
    for (const k of ps) if (!gs.has(k)) errors++;
    return { row, words: [...w], gold: g[row], predicted: p[row], errors };
  });
}
