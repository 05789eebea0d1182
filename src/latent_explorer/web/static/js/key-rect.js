// The geometry of the keyboard brush (plot-keys.js): a pixel rectangle in a plot area of
// width x height that arrow keys move and Shift+arrow keys resize, in steps of a share of the
// view, and that never leaves the view. Pure functions of numbers, so `node --test` covers them.
//
// A rectangle is {x0, y0, x1, y1} with x0 < x1 and y0 < y1, in the same pixel space as the
// mouse brush (brush.js): y grows downwards.

export const STEP = 0.05; // one key press: 5 % of the view's width or height
export const START = 0.5; // a new rectangle covers the middle half of the view in each direction
export const MIN = 0.02; // never smaller than 2 % of the view (the mouse brush ignores < 2 px)

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

/** A rectangle over the middle of the view. */
export function startRect(width, height, share = START) {
  const w = width * share;
  const h = height * share;
  const x0 = (width - w) / 2;
  const y0 = (height - h) / 2;
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

/** The rectangle shifted by (dx, dy) pixels, keeping its size, stopped at the view's edges. */
export function moveRect(rect, dx, dy, width, height) {
  const w = Math.min(rect.x1 - rect.x0, width);
  const h = Math.min(rect.y1 - rect.y0, height);
  const x0 = clamp(rect.x0 + dx, 0, width - w);
  const y0 = clamp(rect.y0 + dy, 0, height - h);
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

/**
 * The rectangle with its right edge moved by dw and its bottom edge by dh pixels (its top-left
 * corner stays), no smaller than MIN of the view and no larger than the view allows.
 */
export function resizeRect(rect, dw, dh, width, height) {
  const x1 = clamp(rect.x1 + dw, Math.min(rect.x0 + MIN * width, width), width);
  const y1 = clamp(rect.y1 + dh, Math.min(rect.y0 + MIN * height, height), height);
  return { x0: rect.x0, y0: rect.y0, x1, y1 };
}

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * The rectangle after an arrow key: moved, or with Shift resized (Right / Down grow it, Left / Up
 * shrink it). null when the key is not an arrow.
 */
export function rectAfterKey(rect, key, shift, width, height, step = STEP) {
  const arrow = ARROWS[key];
  if (!arrow) return null;
  const dx = arrow[0] * step * width;
  const dy = arrow[1] * step * height;
  return shift ? resizeRect(rect, dx, dy, width, height) : moveRect(rect, dx, dy, width, height);
}
