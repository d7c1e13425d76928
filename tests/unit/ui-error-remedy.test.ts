/**
 * The page's error banner and run bar show the remedy of the error a hook turned into a message
 * (src/ui/errorRemedies.ts): a worker's error keeps its own remedy, a coded error thrown in the
 * page its code's, and a notice of the page's own (a plain string) has none.
 */
import { describe, expect, it } from 'vitest';
import { REMEDIES, StudioError } from '../../src/core/run/errors';
import { errorMessage } from '../../src/ui/format';
import { remedyFor } from '../../src/ui/errorRemedies';
import { WorkerError } from '../../src/worker/client';

describe('remedyFor', () => {
  it("gives the remedy of the error whose message is shown, also inside a hook's words", () => {
    const fromWorker = new WorkerError({
      name: 'DataError',
      message: 'notes.csv has only one column.',
      code: 'one-column',
      remedy: 'Pick the delimiter the file uses.',
    });
    const shown = errorMessage(fromWorker);
    expect(remedyFor(shown)).toBe('Pick the delimiter the file uses.');
    expect(remedyFor(`The checkpoint of your last visit: ${shown}`)).toBe(
      'Pick the delimiter the file uses.',
    );
    const here = errorMessage(new StudioError('busy', 'A run is in progress.'));
    expect(remedyFor(here)).toBe(REMEDIES.busy);
    expect(remedyFor(errorMessage(new Error('Something broke in the page.')))).toBe(
      REMEDIES.internal,
    );
    expect(remedyFor('A notice of the page with no error behind it.')).toBeNull();
    expect(remedyFor(null)).toBeNull();
  });
});
