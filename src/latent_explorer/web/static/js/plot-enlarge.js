// Enlarge one plot to the whole work area and back: its Enlarge button, or Esc to return. The
// other two plots step aside (CSS: .plots.has-enlarged); each plot's own ResizeObserver redraws
// it at the new size, keeping its zoom.

export function createPlotEnlarge({ container, plots, hook }) {
  let enlarged = null;

  function set(name) {
    enlarged = name && plots[name] ? name : null;
    container.classList.toggle("has-enlarged", Boolean(enlarged));
    for (const [n, plot] of Object.entries(plots)) plot.setEnlarged(n === enlarged);
    hook?.update({ enlarged });
  }

  for (const plot of Object.values(plots)) plot.on("enlarge", ({ name }) => set(enlarged === name ? null : name));
  // Capture phase: Esc shrinks the plot first and stops there (it does not also clear the
  // selection, which Esc does otherwise).
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Escape" || !enlarged) return;
      if (document.querySelector("dialog[open]")) return;
      // A rectangle placed by keys (plot-keys.js) takes this Esc for itself.
      if (event.target instanceof Element && event.target.matches(".plot-svg[data-placing]")) return;
      event.preventDefault();
      event.stopPropagation();
      const name = enlarged;
      set(null);
      plots[name].node().querySelector(".enlarge")?.focus();
    },
    true,
  );
  hook?.update({ enlarged: null });
  return { set, enlarged: () => enlarged };
}
