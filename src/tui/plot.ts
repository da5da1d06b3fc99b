/**
 * Text plots for the terminal: a bar chart of a series in eighth-blocks, and a scatter on a grid of
 * characters. Both return plain lines (no colour), so they read the same under NO_COLOR.
 */
const EIGHTHS = ' ▁▂▃▄▅▆▇█';

export interface Range {
  readonly min: number;
  readonly max: number;
}

export function rangeOf(values: readonly number[]): Range {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { min: 0, max: 1 };
  const [min, max] = [Math.min(...finite), Math.max(...finite)];
  // A flat series still needs a span to scale against.
  return min === max ? { min: min - Math.abs(min || 1) * 0.05, max: max + Math.abs(max || 1) * 0.05 } : { min, max };
}

/**
 * `values` as columns of eighth-blocks, `height` lines of `width` columns. With more values than
 * columns each column shows the last value of its bucket (right for a best-so-far series); with
 * fewer, each value is drawn several columns wide.
 */
export function barChart(values: readonly number[], width: number, height: number, range: Range = rangeOf(values)): string[] {
  const n = values.length;
  const levels = Array.from({ length: n === 0 ? 0 : width }, (_, c) => {
    const v = values[n >= width ? Math.floor(((c + 1) * n) / width) - 1 : Math.floor((c * n) / width)]!;
    // At least one eighth, so the smallest value still shows.
    return Math.max(1, Math.round(((v - range.min) / (range.max - range.min)) * height * 8));
  });
  return Array.from({ length: height }, (_, row) => {
    const floor = (height - 1 - row) * 8;
    return levels.map((l) => EIGHTHS[Math.max(0, Math.min(8, l - floor))]).join('').padEnd(width);
  });
}

export interface Point {
  readonly x: number;
  readonly y: number;
  /** Drawn as `◆` over any `·` in its cell. */
  readonly marked: boolean;
}

/** Points on a `width` × `height` grid, y up; `·` a point, `◆` a marked one. */
export function scatter(points: readonly Point[], width: number, height: number, xRange: Range, yRange: Range): string[] {
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  for (const p of points) {
    const col = Math.round(((p.x - xRange.min) / (xRange.max - xRange.min)) * (width - 1));
    const row = height - 1 - Math.round(((p.y - yRange.min) / (yRange.max - yRange.min)) * (height - 1));
    if (col < 0 || col >= width || row < 0 || row >= height) continue;
    if (p.marked || grid[row]![col] === ' ') grid[row]![col] = p.marked ? '◆' : '·';
  }
  return grid.map((r) => r.join(''));
}
