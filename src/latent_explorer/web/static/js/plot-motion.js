// The animated move of a scatterplot's points from other coordinates of the same points (the
// parent iteration's) to the data's own, with the data window moving along (transition.js
// gives the tween). The data's arrays and its spatial index are never touched: the frames are
// drawn from two scratch arrays, and hovering, clicking and gestures wait for the end (a
// pointerdown finishes the move at once; plot-interaction.js).

import { frameOf } from "./plot-geometry.js";
import { createTween, lerpArray } from "./transition.js";

const TRANSITION_MS = 800;

/**
 * emit: the plot's emitter.emit; setWindow({cx, cy, half}): the data window of a frame;
 * settle(): the move is over, back to the data's own window (and a redraw); schedule(): the
 * next frame.
 */
export function createPlotMotion({ emit, setWindow, settle, schedule }) {
  let anim = null; // {x, y (Float32Array, drawn meanwhile), from, tween, start, end} while moving

  return {
    get running() {
      return Boolean(anim);
    },

    /** The coordinates drawn now: the data's, or this frame of the move. */
    positions(data) {
      return anim ? { x: anim.x, y: anim.y } : { x: data.x, y: data.y };
    },

    /** from: {x, y}, the same points as data, row for row. */
    start(data, from) {
      const x = new Float32Array(data.n);
      const y = new Float32Array(data.n);
      x.set(from.x);
      y.set(from.y);
      anim = {
        x,
        y,
        from,
        start: frameOf(from.x, from.y),
        end: frameOf(data.x, data.y),
        tween: createTween({ duration: TRANSITION_MS }),
      };
      emit("transition", { running: true, iteration: data.iteration });
    },

    /** Positions for this frame; ends the move when its time is up. */
    step(data) {
      const t = anim.tween.value();
      lerpArray(anim.x, anim.from.x, data.x, t);
      lerpArray(anim.y, anim.from.y, data.y, t);
      const a = anim.start;
      const b = anim.end;
      setWindow({ cx: a.cx + (b.cx - a.cx) * t, cy: a.cy + (b.cy - a.cy) * t, half: a.half + (b.half - a.half) * t });
      if (anim.tween.done()) this.finish(data);
      else schedule(); // the next frame
    },

    /** Jump to the end. */
    finish(data) {
      if (!anim) return;
      anim = null;
      settle();
      emit("transition", { running: false, iteration: data?.iteration ?? null });
      emit("view");
    },

    /** Drop the move (new data replaces the old). */
    stop() {
      if (!anim) return;
      anim = null;
      emit("transition", { running: false, iteration: null, cancelled: true });
    },
  };
}
