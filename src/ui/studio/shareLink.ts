/**
 * The page's settings as a share link and back: "Copy link to these settings" puts the run
 * config (columns, split, max_length, model sizes, tokenizer, every TrainingArguments value the
 * user changed) in the URL hash; opening such a link writes those settings to the browser's
 * storage before the studio starts, so they load as on any visit, and says what it restored.
 */
import {
  configFromHash,
  LINK_CANNOT_CARRY,
  shareLinkOfConfig,
  trainingDefaults,
  type RunConfig,
} from '../../worker/client';
import { ADVANCED_ARGS_KEY, parseOverrides } from '../advancedArgs';
import { loadSettings, saveSettings, validateSettings } from '../persist';
import { settingsOfRunConfig } from '../settingsConfig';

export { runConfigOfSettings } from '../settingsConfig';

/**
 * The link to the page with `config` (the current address, its hash replaced): the run config
 * of the run it resolves to, as the one serializer writes it (src/core/config/runFiles.ts).
 */
export function shareLinkOf(config: RunConfig, href: string): string {
  return `${href.split('#')[0]}${shareLinkOfConfig(config)}`;
}

/** sessionStorage key of what the last opened link restored (shown once by the page). */
export const LINK_NOTICE_KEY = 'trainer-studio.link-notice';

type Store = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * Applies a link's settings before the studio starts: writes them to `local` (where the studio
 * reads its settings) and what was restored to `session` for the page to show once. Returns the
 * hash to leave in the address ('' once applied) or null when there was no link.
 */
export function applyShareLink(
  hash: string,
  local: Store | undefined,
  session: Store | undefined,
): string | null {
  let read: ReturnType<typeof configFromHash>;
  try {
    read = configFromHash(hash);
  } catch (e) {
    session?.setItem(LINK_NOTICE_KEY, JSON.stringify([(e as Error).message]));
    return '';
  }
  if (!read) return null;
  const base = loadSettings(local);
  // A link carries the TrainingArguments that differ from transformers' defaults: the page's
  // fields it leaves out are at those defaults (not at what this browser had).
  const defaults = trainingDefaults();
  const shown = Object.fromEntries(
    Object.keys(base.args)
      .filter((k) => k in defaults && !(k in read.config.training))
      .map((k) => [k, defaults[k]]),
  );
  const config = { ...read.config, training: { ...shown, ...read.config.training } };
  const { settings, overrides } = settingsOfRunConfig(config, base, validateSettings);
  const before = parseOverrides(local?.getItem(ADVANCED_ARGS_KEY) ?? null);
  saveSettings(local, settings);
  try {
    local?.setItem(ADVANCED_ARGS_KEY, JSON.stringify({ ...before, ...overrides }));
  } catch {
    /* storage refused: the notice below still says what the link held */
  }
  const n =
    Object.keys(read.config.data).length +
    Object.keys(read.config.model).length +
    Object.keys(read.config.training).length;
  const pretrained = read.config.model.model_name_or_path;
  session?.setItem(
    LINK_NOTICE_KEY,
    JSON.stringify([
      `Settings restored from the link (${n} values).`,
      ...(pretrained
        ? [`The link names the checkpoint ${pretrained}: choose it under Model.`]
        : []),
      ...read.notices,
      LINK_CANNOT_CARRY,
    ]),
  );
  return '';
}

/** What the last opened link restored, once (then forgotten). */
export function takeLinkNotice(
  session: (Store & Pick<Storage, 'removeItem'>) | undefined,
): string[] {
  try {
    const raw = session?.getItem(LINK_NOTICE_KEY);
    session?.removeItem(LINK_NOTICE_KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
