import { remedyFor } from './errorRemedies';

interface Props {
  message: string | null;
  onDismiss: () => void;
}

/**
 * The last failed request's message and what to do about it (the error's remedy); previously
 * loaded data stays usable underneath.
 */
export function ErrorBanner({ message, onDismiss }: Props) {
  if (!message) return null;
  const remedy = remedyFor(message);
  return (
    <div className="error-banner" role="alert" data-testid="error">
      <div>
        <p className="error-message">{message}</p>
        {remedy && (
          <p className="error-remedy" data-testid="error-remedy">
            What to do: {remedy}
          </p>
        )}
      </div>
      <button type="button" className="secondary" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
