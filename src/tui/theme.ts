/**
 * Colours of the terminal UI. `NO_COLOR` (no-color.org: set and not empty) turns every colour off;
 * selection and the Pareto front are also marked by glyphs, so nothing is lost without colour.
 * Ink's chalk honours FORCE_COLOR but not NO_COLOR, hence this context.
 */
import { createContext, useContext } from 'react';
import type { TrialState } from '../experiment/store/store.js';

export interface Theme {
  readonly accent: string | undefined;
  readonly good: string | undefined;
  readonly bad: string | undefined;
  readonly warn: string | undefined;
  readonly state: Readonly<Record<TrialState, string | undefined>>;
}

const COLOURS: Theme = {
  accent: 'cyan', good: 'green', bad: 'red', warn: 'yellow',
  state: { waiting: 'gray', running: 'yellow', complete: 'green', failed: 'red', 'early-stopped': 'magenta', cancelled: 'gray' },
};

const PLAIN: Theme = {
  accent: undefined, good: undefined, bad: undefined, warn: undefined,
  state: { waiting: undefined, running: undefined, complete: undefined, failed: undefined, 'early-stopped': undefined, cancelled: undefined },
};

export function themeFor(env: NodeJS.ProcessEnv): Theme {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? PLAIN : COLOURS;
}

export const ThemeContext = createContext<Theme>(COLOURS);

export const useTheme = (): Theme => useContext(ThemeContext);
