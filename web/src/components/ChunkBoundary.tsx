import { Component, ReactNode } from 'react';

import { ErrorBox } from './States';

// Catches a page whose code failed to load (a lazily loaded chunk while offline, or after a
// new version replaced the files) and offers to reload instead of leaving a blank screen.
export class ChunkBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  state = { error: null as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return (
        <main>
          <ErrorBox error={new Error('This page could not be loaded. Check the connection and try again.')}
                    retry={() => window.location.reload()} />
        </main>
      );
    }
    return this.props.children;
  }
}
