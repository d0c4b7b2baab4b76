import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../core/index.js';

/** The window's size and place, kept in the data directory between runs. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_STATE: WindowState = { width: 1100, height: 760, maximized: false };
export const MIN_SIZE = { width: 720, height: 480 } as const;

export const windowStateFile = (dataDir: string) => join(dataDir, 'window-state.json');

const isInt = (value: unknown): value is number => Number.isInteger(value);

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * The state saved last time, made safe: a missing or damaged file gives the defaults,
 * a size is kept within bounds, and a place on no current display (a screen unplugged
 * since) is dropped so the OS centres the window.
 */
export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof saved !== 'object' || saved === null) return { ...DEFAULT_STATE };
  } catch {
    return { ...DEFAULT_STATE };
  }
  const width = isInt(saved.width) ? Math.max(MIN_SIZE.width, Math.min(saved.width, 10_000)) : DEFAULT_STATE.width;
  const height = isInt(saved.height) ? Math.max(MIN_SIZE.height, Math.min(saved.height, 10_000)) : DEFAULT_STATE.height;
  const state: WindowState = { width, height, maximized: saved.maximized === true };
  if (isInt(saved.x) && isInt(saved.y)) {
    const rect = { x: saved.x, y: saved.y, width, height };
    if (workAreas.some((area) => overlaps(rect, area))) Object.assign(state, { x: saved.x, y: saved.y });
  }
  return state;
}

export function saveWindowState(file: string, bounds: Rect, maximized: boolean): void {
  const state: WindowState = { ...bounds, maximized };
  // A window's place is not worth an fsync at every quit; a torn file is still never seen.
  writeFileAtomically(file, `${JSON.stringify(state)}\n`, { durable: false });
}
