// Time and interpolation for animated moves of points (plot 3 going from the parent
// iteration's coordinates to the new ones). The plot drives the frames itself, from its own
// requestAnimationFrame redraw, so a move costs one draw per frame and never a second loop;
// this module only says how far along the move is and fills typed arrays in place.
//
//   const tween = createTween({duration: 800});
//   tween.value()  -> eased progress in [0, 1] at this moment
//   tween.done()   -> true once the duration has passed
//   lerpArray(out, a, b, t)   out[i] = a[i] + (b[i] - a[i]) * t, no allocation

import { d3 } from "./d3.js";

export function createTween({ duration = 800, ease = d3.easeCubicInOut, now = () => performance.now() } = {}) {
  const start = now();
  const raw = () => (duration > 0 ? Math.min(1, (now() - start) / duration) : 1);
  return {
    value: () => ease(raw()),
    done: () => raw() >= 1,
  };
}

/** Interpolate two equally long typed arrays into `out` (which may be neither of them). */
export function lerpArray(out, a, b, t) {
  const n = out.length;
  if (t >= 1) {
    out.set(b);
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = a[i] + (b[i] - a[i]) * t;
  return out;
}

// People who ask their system for less motion get the end state at once.
export function prefersReducedMotion() {
  return Boolean(window.matchMedia?.("(prefers-reduced-motion: reduce)").matches);
}
