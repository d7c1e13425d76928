/** The tokenizer in the worker: the user's choice, loading it, and loading it again at boot. */
import {
  useCallback,
  useRef,
  useState,
  type Dispatch,
  type RefObject,
  type SetStateAction,
} from 'react';
import type { StudioClient, TokenizerInfo } from '../../worker/client';
import type { StudioSettings } from '../defaults';
import { errorMessage } from '../format';
import {
  DEFAULT_TOKENIZER,
  callTokenizer,
  persistedTokenizer,
  type TokenizerChoice,
} from './tokenizerChoice';
import type { Notices } from './useNotices';

/** What the tokenizer hook needs from the studio. */
export interface TokenizerChoiceDeps {
  clientRef: RefObject<StudioClient | null>;
  /** The tokenizer the settings remember (first render only: the choice is then kept here). */
  savedTokenizer: StudioSettings['tokenizer'];
  /** The latest settings: a trained tokenizer is trained on their current columns. */
  settingsRef: RefObject<StudioSettings>;
  setSettings: Dispatch<SetStateAction<StudioSettings>>;
  notices: Notices;
}

/** The loaded tokenizer, the user's choice of one, and the boot step that loads it. */
export function useTokenizerChoice({
  clientRef,
  savedTokenizer,
  settingsRef,
  setSettings,
  notices,
}: TokenizerChoiceDeps) {
  const { setStatus, setError, setDownload } = notices;
  const [tokenizer, setTokenizer] = useState<TokenizerInfo | null>(null);
  /** Counts the tokenizers loaded: each one makes the data prepare again. */
  const [tokenizerVersion, setTokenizerVersion] = useState(0);
  /** A tokenizer is loading, downloading or training (its `download` events show progress). */
  const [loadingTokenizer, setLoadingTokenizer] = useState(false);
  /** The chosen tokenizer (bundled, Hub id, dropped files, trained), replayed into a new worker. */
  const tokenizerRef = useRef<TokenizerChoice>(savedTokenizer ?? DEFAULT_TOKENIZER);

  /**
   * The boot step: the chosen tokenizer into a fresh worker. A remembered one that fails (a Hub
   * tokenizer gone, or the network with it) is reported and the default is loaded instead,
   * rather than leaving the studio without a tokenizer; the default failing fails the boot.
   * `isCancelled` says this worker was replaced meanwhile (then nothing is shown).
   */
  const loadStartTokenizer = useCallback(
    async (client: StudioClient, isCancelled: () => boolean) => {
      let tok: TokenizerInfo;
      try {
        tok = await callTokenizer(client, tokenizerRef.current, settingsRef.current.columns);
      } catch (err) {
        if (isCancelled() || tokenizerRef.current === DEFAULT_TOKENIZER) throw err;
        setError(`${errorMessage(err)} The default tokenizer (${DEFAULT_TOKENIZER.name}) is used.`);
        tokenizerRef.current = DEFAULT_TOKENIZER;
        setSettings((s) => ({ ...s, tokenizer: undefined }));
        tok = await callTokenizer(client, DEFAULT_TOKENIZER, settingsRef.current.columns);
      }
      if (isCancelled()) return;
      setTokenizer(tok);
    },
    [settingsRef, setSettings, setError],
  );

  /** Switches to a bundled tokenizer or to dropped tokenizer files (the data is re-prepared). */
  const chooseTokenizer = useCallback(
    async (src: TokenizerChoice) => {
      const client = clientRef.current;
      if (!client) return;
      setStatus('Loading the tokenizer…');
      setLoadingTokenizer(true);
      setDownload(null);
      try {
        const tok = await callTokenizer(client, src, settingsRef.current.columns);
        // A Download again is done: a new worker loads it from the cache.
        tokenizerRef.current =
          'kind' in src && src.kind === 'hub' ? { kind: 'hub', id: src.id } : src;
        setSettings((s) => ({ ...s, tokenizer: persistedTokenizer(src) }));
        // Counted: the same tokenizer loaded again is new data to prepare (the worker's
        // preparation was dropped with the old one).
        setTokenizerVersion((v) => v + 1);
        setTokenizer(tok);
        setError(null);
        setStatus('Ready');
      } catch (err) {
        setError(errorMessage(err));
        setStatus('Ready');
      } finally {
        setLoadingTokenizer(false);
      }
    },
    [clientRef, settingsRef, setSettings, setStatus, setError, setDownload],
  );

  return {
    tokenizer,
    tokenizerVersion,
    setTokenizer,
    loadingTokenizer,
    loadStartTokenizer,
    chooseTokenizer,
  };
}
