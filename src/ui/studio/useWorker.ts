/**
 * The training worker's life: starting one (and a fresh one on backend change or restart), the
 * one boot sequence that brings a new worker to the page's settings (the same for a fresh page
 * load, a backend switch and a restart after a crash), its events, and its death.
 */
import { startTransition, useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import {
  StudioClient,
  TEST_HOOKS,
  type Api,
  type BackendInfo,
  type ReadProgress,
  type RequestName,
  type RunSnapshot,
  type WorkerEvent,
} from '../../worker/client';
import { errorMessage } from '../format';
import type { Notices } from './useNotices';
import { backendFromUrl, e2eHooksFromUrl, pageSearch, type BackendChoice } from './urlOptions';

/** A boot step run against a fresh worker; `isCancelled` says the worker was replaced meanwhile. */
export type BootStep = (client: StudioClient, isCancelled: () => boolean) => Promise<void>;

/** What the worker hook needs from the studio. */
export interface WorkerDeps {
  /** Set to the running worker's client (null between workers); the other hooks read it. */
  clientRef: RefObject<StudioClient | null>;
  notices: Notices;
  /** The run's snapshots and read events go to the hooks that show them. */
  onSnapshot: (snapshot: RunSnapshot) => void;
  onRead: (progress: ReadProgress) => void;
  /**
   * Boot, first: what the page showed of an older worker (its tokenizer, prepared data, model,
   * checkpoint) is forgotten, as on a fresh page load; the steps below bring it back.
   */
  forgetWorker: () => void;
  /** Boot: the data file into the new worker (its failure is shown there; the boot goes on). */
  openStartFile: BootStep;
  /** Boot: the tokenizer into the new worker (its failure fails the boot). */
  loadStartTokenizer: BootStep;
  /** Boot: the checkpoint of the last visit, after the tokenizer (its failure is shown there). */
  restoreStartPretrained: BootStep;
}

/** The worker's backend and health, and the actions that replace it. */
export function useWorker({
  clientRef,
  notices,
  onSnapshot,
  onRead,
  forgetWorker,
  openStartFile,
  loadStartTokenizer,
  restoreStartPretrained,
}: WorkerDeps) {
  const { setStatus, setError, setDownload } = notices;
  const [preferred, setPreferred] = useState<BackendChoice>(() => backendFromUrl(pageSearch()));
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  /** Why the worker died (crash), else null: the UI offers "Restart worker". */
  const [workerDead, setWorkerDead] = useState<string | null>(null);
  /** Bumped by "Restart worker" to boot a fresh worker. */
  const [bootCount, setBootCount] = useState(0);
  const hooksSent = useRef(false);

  const onEvent = useCallback(
    (e: WorkerEvent) => {
      if (e.kind === 'snapshot') onSnapshot(e.snapshot);
      else if (e.kind === 'status') startTransition(() => setStatus(e.message));
      else if (e.kind === 'download') setDownload(e.progress);
      else if (e.kind === 'warning') setError(e.message);
      else if (e.kind === 'run') return;
      else onRead(e.progress);
    },
    [onSnapshot, onRead, setStatus, setDownload, setError],
  );

  // Boot (the page's first worker, and a fresh one on backend change or restart): the page
  // forgets what an older worker held, then backend, data, tokenizer and checkpoint.
  useEffect(() => {
    forgetWorker();
    let cancelled = false;
    const isCancelled = () => cancelled;
    const client = StudioClient.start();
    clientRef.current = client;
    const off = client.on((e) => {
      if (!cancelled) onEvent(e);
    });
    const offDeath = client.onDeath((err) => {
      if (cancelled) return;
      setWorkerDead(err.message);
      setError(err.message);
      setStatus('The training worker stopped');
    });
    void (async () => {
      try {
        setStatus('Choosing a backend…');
        const info = await client.call('init', { preferred });
        if (cancelled) return;
        setBackend(info);
        // e2e test hooks (test builds only), read once at start (see e2eHooksFromUrl):
        // `?e2e-quota=1` makes checkpoint writes fail as a full quota would,
        // `?e2e-device-loss=N` destroys the WebGPU device after optimizer step N. Ordinary URLs
        // carry neither: nothing is sent. Sent to the first worker only: a restarted worker
        // (recovery) trains without them.
        if (TEST_HOOKS) {
          const hooks = e2eHooksFromUrl(pageSearch());
          if (hooks && !hooksSent.current) {
            hooksSent.current = true;
            await client.call('testHooks', hooks);
          }
        }
        setStatus('Loading data…');
        await openStartFile(client, isCancelled);
        if (cancelled) return;
        setStatus('Loading the tokenizer…');
        await loadStartTokenizer(client, isCancelled);
        if (cancelled) return;
        await restoreStartPretrained(client, isCancelled);
        if (cancelled) return;
        setStatus('Ready');
      } catch (err) {
        if (!cancelled) {
          setError(errorMessage(err));
          setStatus('The worker could not start');
        }
      }
    })();
    return () => {
      cancelled = true;
      off();
      offDeath();
      client.terminate();
      if (clientRef.current === client) clientRef.current = null;
    };
  }, [
    preferred,
    bootCount,
    clientRef,
    onEvent,
    forgetWorker,
    openStartFile,
    loadStartTokenizer,
    restoreStartPretrained,
    setStatus,
    setError,
  ]);

  /**
   * Boots a worker on another backend (and records the choice in the page URL); its boot
   * brings it to the page's settings.
   */
  const switchBackend = useCallback((choice: BackendChoice) => {
    const url = new URL(location.href);
    url.searchParams.set('backend', choice);
    history.replaceState(history.state, '', url);
    setBackend(null);
    setPreferred(choice);
  }, []);

  /** Boots a fresh worker after a crash; its boot brings it to the page's settings. */
  const reboot = useCallback(() => {
    setWorkerDead(null);
    setBackend(null);
    setBootCount((n) => n + 1);
  }, []);

  /** A direct worker call, for panels that need one (argument checks). */
  const call = useCallback(
    <K extends RequestName>(name: K, params: Api[K][0]): Promise<Api[K][1]> => {
      const client = clientRef.current;
      if (!client) return Promise.reject(new Error('The training worker is not running.'));
      return client.call(name, params);
    },
    [clientRef],
  );

  return { preferred, backend, workerDead, setWorkerDead, switchBackend, reboot, call };
}
