/** JSON Lines (one record per line, bad lines reported) and JSON arrays of records. */
import { DataError } from './errors';
import { finish, tableOf } from './recordTable';
import type { ReadAnomaly, ReadOptions, ReadTable } from './readTypes';

export function readJsonLines(
  text: string,
  opts: ReadOptions,
): Omit<ReadTable, 'gzip' | 'bytesRead'> {
  const anomalies: ReadAnomaly[] = [];
  function* records(): Generator<{ rec: unknown; row: number }> {
    let line = 0;
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      line++;
      const s = text.slice(start, end).trim();
      start = end + 1;
      if (s === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(s);
      } catch (e) {
        anomalies.push({
          row: line,
          kind: 'bad-json',
          message: `Line ${line} is not valid JSON (${(e as Error).message.slice(0, 80)}) and was skipped.`,
        });
        continue;
      }
      yield { rec, row: line };
    }
  }
  const t = tableOf(records(), opts, 'Line');
  t.anomalies = anomalies.concat(t.anomalies).sort((a, b) => a.row - b.row);
  return finish(t, 'jsonl', 'utf-8');
}

export function readJsonArray(
  text: string,
  opts: ReadOptions,
): Omit<ReadTable, 'gzip' | 'bytesRead'> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new DataError(
      'binary-file',
      `This JSON file could not be read: ${(e as Error).message.slice(0, 120)}. The studio reads ` +
        'a JSON array of records ([{"text": ..., "label": ...}, ...]) or JSON Lines.',
    );
  }
  // HF-style wrappers: {"data": [...]} or {"train": [...]}: take the first array of records.
  if (data && typeof data === 'object' && !Array.isArray(data)) {
    const arr = Object.values(data as Record<string, unknown>).find(Array.isArray);
    if (arr) data = arr;
  }
  if (!Array.isArray(data)) {
    throw new DataError(
      'binary-file',
      'This JSON file is not an array of records. The studio reads [{"text": ..., "label": ...}, ...] ' +
        'or JSON Lines (one record per line).',
    );
  }
  const arr = data as unknown[];
  function* records(): Generator<{ rec: unknown; row: number }> {
    for (let i = 0; i < arr.length; i++) yield { rec: arr[i], row: i + 1 };
  }
  return finish(tableOf(records(), opts, 'Record'), 'json', 'utf-8');
}
