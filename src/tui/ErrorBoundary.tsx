import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Text } from 'ink';

export type Props = {
  readonly children: ReactNode;
  /** Told once when a view throws, so the caller can fall back to plain lines. */
  readonly onError: (error: Error) => void;
};

type State = { readonly error: Error | undefined };

/** A bug in a view must not take the search down with it: show it and hand back to the caller. */
export default class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, _info: ErrorInfo): void {
    this.props.onError(error);
  }

  override render(): ReactNode {
    if (this.state.error !== undefined) return <Text bold>The terminal UI failed: {this.state.error.message}</Text>;
    return this.props.children;
  }
}
