import { useState } from 'react';
import type { StudioSettings } from './defaults';
import { runConfigOfSettings, shareLinkOf, takeLinkNotice } from './studio/shareLink';

interface Props {
  settings: StudioSettings;
  overrides: Record<string, unknown>;
}

function sessionStore(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

/**
 * "Copy link to these settings": the page's settings in a link (shown, and copied where the
 * browser allows), and what an opened link restored, said once.
 */
export function ShareLink({ settings, overrides }: Props) {
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [restored, setRestored] = useState<string[]>(() => takeLinkNotice(sessionStore()));

  const onCopy = async () => {
    // The delimiter and header chosen are for this page's file, not the one the link opens.
    const { read: _ownFile, ...shared } = settings;
    const url = shareLinkOf(runConfigOfSettings(shared, overrides), location.href);
    setLink(url);
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Link copied: it opens the studio with these settings.');
    } catch {
      setCopied('Copy the link below (the browser did not allow copying it here).');
    }
  };

  return (
    <div className="share-link">
      <button type="button" className="secondary" onClick={() => void onCopy()}>
        Copy link to these settings
      </button>
      {link !== null && (
        <>
          <label className="visually-hidden" htmlFor="share-link-url">
            Link to these settings
          </label>
          <input
            id="share-link-url"
            readOnly
            value={link}
            onFocus={(e) => e.currentTarget.select()}
          />
          <p className="hint" role="status">
            {copied}
          </p>
        </>
      )}
      {restored.length > 0 && (
        <div className="link-notice" role="status" data-testid="link-notice">
          <ul>
            {restored.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
          <button type="button" className="secondary" onClick={() => setRestored([])}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
