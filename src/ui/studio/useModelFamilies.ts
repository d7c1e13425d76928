/**
 * The families the studio builds (the worker's registry, in its order), asked once; asked again
 * a moment later while the worker is not there yet. Null until known.
 */
import { useEffect, useState } from 'react';
import type { Api, ModelFamilyInfo, RequestName } from '../../worker/client';

type Call = <K extends RequestName>(name: K, params: Api[K][0]) => Promise<Api[K][1]>;

/** How long to wait before asking again after a failed request (the worker still starting). */
const RETRY_MS = 1000;

export function useModelFamilies(call: Call): ModelFamilyInfo[] | null {
  const [families, setFamilies] = useState<ModelFamilyInfo[] | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (families) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    call('modelFamilies', {}).then(
      (f) => live && setFamilies(f),
      () => {
        if (live) timer = setTimeout(() => setAttempt((a) => a + 1), RETRY_MS);
      },
    );
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [call, families, attempt]);
  return families;
}

/**
 * The from-scratch model_type `modelType` as the page names it: 'transformer' (the model
 * table's default) is BERT; another the family that reads it, or the model_type itself while the
 * families are not known (or none reads it: Train then says so).
 */
export function scratchFamilyName(
  families: readonly ModelFamilyInfo[] | null,
  modelType: string,
): string {
  const t = modelType === 'transformer' ? 'bert' : modelType;
  return (
    families?.find((f) => f.modelTypes.includes(t))?.displayName ?? (t === 'bert' ? 'BERT' : t)
  );
}
