/** The model picker's source and the pretrained checkpoint loaded into the worker. */
import { useCallback, useState, type Dispatch, type RefObject, type SetStateAction } from 'react';
import {
  fitMaxLength,
  type ModelSpec,
  type PretrainedInfo,
  type StudioClient,
  type TokenizerInfo,
} from '../../worker/client';
import type { ModelSizes, StudioSettings } from '../defaults';
import { errorMessage } from '../format';
import type { Notices } from './useNotices';
import type { BootStep } from './useWorker';

/** The model picker's source: from scratch, dropped checkpoint files, or a URL / Hub id. */
export type ModelSource = 'scratch' | 'files' | 'url';

/** What the pretrained hook needs from the studio. */
export interface PretrainedDeps {
  clientRef: RefObject<StudioClient | null>;
  /** A checkpoint's own tokenizer replaces the loaded one (the data is re-prepared with it). */
  setTokenizer: Dispatch<SetStateAction<TokenizerInfo | null>>;
  /** The latest settings: a checkpoint that takes fewer tokens lowers their max_length. */
  settingsRef: RefObject<StudioSettings>;
  setModelSize: <K extends keyof ModelSizes>(key: K, v: ModelSizes[K]) => void;
  notices: Notices;
}

/** The model source, the loaded checkpoint, and the model spec Train builds from them. */
export function usePretrained({
  clientRef,
  setTokenizer,
  settingsRef,
  setModelSize,
  notices,
}: PretrainedDeps) {
  const { setStatus, setError, setDownload } = notices;
  const [modelSource, setModelSource] = useState<ModelSource>('scratch');
  const [pretrained, setPretrained] = useState<PretrainedInfo | null>(null);
  const [loadingPretrained, setLoadingPretrained] = useState(false);

  /**
   * Shows a checkpoint the worker loaded: its own tokenizer replaces the loaded one, and a
   * max_length above what it takes is lowered (the notice is returned).
   */
  const showPretrained = useCallback(
    (info: PretrainedInfo): string | null => {
      setPretrained(info);
      if (info.tokenizer && info.tokenizerVocabSize !== null) {
        setTokenizer({ name: info.tokenizer, vocabSize: info.tokenizerVocabSize });
      }
      const fit = fitMaxLength(settingsRef.current.model.max_length, info.lengthLimit);
      if (fit.notice) setModelSize('max_length', fit.maxLength);
      return fit.notice;
    },
    [setTokenizer, settingsRef, setModelSize],
  );

  /**
   * Loads a pretrained checkpoint from dropped files or a URL / Hub id into the worker; a
   * max_length above what it takes is lowered now, with a notice (not an error at Train).
   * `refresh`: a URL / Hub id's files are fetched again even when the browser cache holds them.
   */
  const loadPretrained = useCallback(
    async (source: File[] | string, refresh = false) => {
      const client = clientRef.current;
      if (!client) return;
      setLoadingPretrained(true);
      setDownload(null);
      try {
        let info: PretrainedInfo;
        if (typeof source === 'string') {
          info = await client.call('loadPretrained', { url: source, refresh });
        } else {
          const files: Record<string, ArrayBuffer> = {};
          for (const f of source) {
            const path = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
            files[path] = await f.arrayBuffer();
          }
          info = await client.call('loadPretrained', { files }, Object.values(files));
        }
        const notice = showPretrained(info);
        setError(null);
        setStatus(notice ? `Loaded ${info.name}. ${notice}.` : `Loaded ${info.name}`);
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setLoadingPretrained(false);
      }
    },
    [clientRef, showPretrained, setStatus, setError, setDownload],
  );

  /**
   * Boot: the checkpoint chosen on an earlier visit, loaded again (after the tokenizer: its own
   * replaces it); a failure is shown and the boot goes on without it.
   */
  const restoreStartPretrained: BootStep = useCallback(
    async (client, isCancelled) => {
      try {
        const kept = await client.call('restorePretrained', {});
        if (!kept || isCancelled()) return;
        showPretrained(kept.info);
        setModelSource(kept.source);
      } catch (err) {
        if (!isCancelled()) setError(`The checkpoint of your last visit: ${errorMessage(err)}`);
      }
    },
    [showPretrained, setError],
  );

  /** Switches the model source; from scratch, the kept checkpoint is forgotten for next time. */
  const chooseModelSource = useCallback(
    (source: ModelSource) => {
      setModelSource(source);
      if (source === 'scratch') {
        clientRef.current
          ?.call('forgetPretrained', {})
          .catch((err: unknown) => setError(errorMessage(err)));
      }
    },
    [clientRef, setError],
  );

  /** The model Train builds: the loaded checkpoint when the picker is on a pretrained source. */
  const specOf = useCallback(
    (sizes: ModelSizes): ModelSpec =>
      modelSource !== 'scratch' && pretrained
        ? { kind: 'pretrained', max_length: sizes.max_length }
        : { kind: 'scratch', ...sizes },
    [modelSource, pretrained],
  );

  return {
    modelSource,
    setModelSource: chooseModelSource,
    pretrained,
    setPretrained,
    loadingPretrained,
    loadPretrained,
    restoreStartPretrained,
    specOf,
  };
}
