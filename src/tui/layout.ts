/**
 * How the screen's lines are shared out. Ink clears the whole terminal on every frame once the output
 * reaches the terminal's height, so the UI always leaves the last line free.
 */
export interface Layout {
  /** Lines for running trials. */
  readonly running: number;
  /** Plot lines of each chart, 0 when the terminal is too short for charts. */
  readonly chart: number;
  /** Trial rows in the table. */
  readonly tableRows: number;
  /** Lines for the table and charts together, or for the detail and help panes. */
  readonly body: number;
}

const HEADER = 2;
const KEY_BAR = 1;
/** A chart's title line and axis line. */
export const CHART_FRAME = 2;
/** The table's title line and column header. */
export const TABLE_FRAME = 2;

export function layout(rows: number, runningCount: number): Layout {
  const usable = Math.max(8, rows - 1);
  const running = Math.min(runningCount, usable >= 20 ? 3 : 1);
  const body = usable - HEADER - KEY_BAR - running;
  const chart = body >= 14 ? Math.min(10, Math.max(4, Math.floor(body / 3) - 1)) : 0;
  const tableRows = Math.max(1, body - TABLE_FRAME - (chart > 0 ? chart + CHART_FRAME : 0));
  return { running, chart, tableRows, body };
}
