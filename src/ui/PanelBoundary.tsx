/**
 * An error boundary around one panel of the page: when the panel's view throws while rendering,
 * it says which panel broke and why, and offers a button that mounts that panel again; the rest
 * of the page keeps working. In the e2e build, `?e2e-panel-throw=<panel name>` makes the named
 * panel throw until its Reload is pressed (so a test can check the boundary).
 */
import { Component, type ComponentType, type ReactNode } from 'react';
import { TEST_HOOKS } from '../worker/client';
import { focusLost } from './focus';
import { errorMessage } from './format';

interface Props {
  /** The panel's name as the page shows it ("Data", "Evaluate"...). */
  name: string;
  children: ReactNode;
}

interface State {
  error: unknown;
  /** Bumped by Reload: the panel mounts afresh under a new key. */
  generation: number;
}

export class PanelBoundary extends Component<Props, State> {
  override state: State = { error: null, generation: 0 };
  private heading: HTMLHeadingElement | null = null;
  private slot: HTMLDivElement | null = null;
  private reloaded = false;

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error ?? new Error('unknown error') };
  }

  override componentDidCatch(error: unknown): void {
    console.error(`The ${this.props.name} panel stopped working:`, error);
  }

  override componentDidUpdate(_: Props, prev: State): void {
    // Focus follows the panel: to the message when it breaks with focus inside it (or lost),
    // back into the panel after Reload.
    if (this.state.error !== null && prev.error === null && focusLost()) this.heading?.focus();
    if (this.reloaded && this.state.error === null) {
      this.reloaded = false;
      const target = this.slot?.querySelector<HTMLElement>('h2, h3, [tabindex="-1"]');
      if (target) {
        if (!target.hasAttribute('tabindex')) target.tabIndex = -1;
        target.focus();
      }
    }
  }

  private reload = () => {
    this.reloaded = true;
    if (TEST_HOOKS) released.add(this.props.name);
    this.setState((s) => ({ error: null, generation: s.generation + 1 }));
  };

  override render(): ReactNode {
    const { name, children } = this.props;
    if (this.state.error !== null) {
      return (
        <section className="panel panel-error" role="alert" data-testid="panel-error">
          <h2 tabIndex={-1} ref={(h) => void (this.heading = h)}>
            The {name} panel stopped working
          </h2>
          <p>
            It failed while drawing: <code>{errorMessage(this.state.error)}</code>. The rest of the
            page still works; reloading the panel draws it again from the current state.
          </p>
          <button type="button" onClick={this.reload}>
            Reload {name}
          </button>
        </section>
      );
    }
    return (
      <div className="panel-slot" ref={(d) => void (this.slot = d)} key={this.state.generation}>
        {TEST_HOOKS && <ThrowOnce name={name} />}
        {children}
      </div>
    );
  }
}

/** Panels the e2e hook no longer breaks: their Reload was pressed. */
const released = new Set<string>();

/**
 * In the e2e build: throws while rendering the panel `?e2e-panel-throw=` names, until its Reload
 * is pressed (every render, so React's retry of a failed render fails too).
 */
function ThrowOnce({ name }: { name: string }) {
  const wanted = new URLSearchParams(location.search).get('e2e-panel-throw');
  if (wanted === name && !released.has(name)) {
    throw new Error(`Simulated panel failure in ${name} (e2e-panel-throw)`);
  }
  return null;
}

/** `Inner` inside a `PanelBoundary` named `name` (same props). */
export function withPanelBoundary<P extends object>(
  name: string,
  Inner: ComponentType<P>,
): (props: P) => ReactNode {
  const Wrapped = (props: P) => (
    <PanelBoundary name={name}>
      <Inner {...props} />
    </PanelBoundary>
  );
  Wrapped.displayName = `PanelBoundary(${name})`;
  return Wrapped;
}
