// The layer under a scatterplot's points (the decoded grid): one image over a data-space
// rectangle on the paper colour, composed offscreen and read back only when the window, the
// buffer size or the image changed (a zoom frame, not a selection redraw). The point layer then
// starts from these pixels instead of a plain background, so points keep their true colours on
// top of it, and a plot without an underlay costs nothing extra.
//
//   const under = createUnderlayLayer();
//   under.set({image, x: [x0, x1], y: [y0, y1], smooth} | null);
//   under.pixels({zx, zy, dpr, width, height, background}) -> Uint32Array | null

export function createUnderlayLayer() {
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let underlay = null;
  let version = 0;
  let key = "";
  let pixels = null;

  return {
    get current() {
      return underlay;
    },
    set(next) {
      underlay = next?.image ? { ...next, version: ++version } : null;
      key = "";
      pixels = null;
    },
    /** Forget the composed picture (the canvas was resized). */
    invalidate() {
      key = "";
    },
    pixels({ zx, zy, dpr, width: w, height: h, background }) {
      if (!underlay || !w || !h) return null;
      const k = `${zx.domain()}|${zy.domain()}|${w}x${h}|${underlay.version}`;
      if (k === key && pixels) return pixels;
      key = k;
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      const c = background;
      ctx.fillStyle = `rgb(${c & 0xff},${(c >> 8) & 0xff},${(c >> 16) & 0xff})`;
      ctx.fillRect(0, 0, w, h);
      const [x0, x1] = underlay.x;
      const [y0, y1] = underlay.y;
      const px0 = zx(x0) * dpr;
      const px1 = zx(x1) * dpr;
      const py0 = zy(y1) * dpr; // the top edge: y grows upwards
      const py1 = zy(y0) * dpr;
      // Pixels of an image stay crisp when enlarged; shrinking them needs smoothing to stay legible.
      ctx.imageSmoothingEnabled = underlay.smooth && px1 - px0 < underlay.image.width;
      ctx.drawImage(underlay.image, px0, py0, px1 - px0, py1 - py0);
      pixels = new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer);
      return pixels;
    },
  };
}
