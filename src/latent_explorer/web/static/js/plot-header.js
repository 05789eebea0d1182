// A plot's header: its title, its point count, and the Reset zoom and Enlarge buttons.
// In a narrow plot (three side by side at 1280 or 1440 px) the buttons show an icon instead
// of their words, so that a title such as "Selected points, iteration 11" is not cut off; the
// words stay their accessible names and tooltips (plots.css switches with a container query).

// 16 x 16 strokes: corners drawn inwards (fit everything), arrows outwards (enlarge), arrows
// inwards (back to three plots).
const ICONS = {
  reset: "M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4M6 8h4M8 6v4",
  enlarge: "M9 2h5v5M14 2l-5 5M7 14H2V9M2 14l5-5",
  back: "M13 7H9V3M9 7l5-5M3 9h4v4M7 9l-5 5",
};

function iconButton(parent, { className, label, title, icon }) {
  const button = parent
    .append("button")
    .attr("type", "button")
    .attr("class", `button small plot-button ${className}`)
    .attr("aria-label", label)
    .attr("title", title);
  const svg = button
    .append("svg")
    .attr("class", "button-icon")
    .attr("viewBox", "0 0 16 16")
    .attr("width", 14)
    .attr("height", 14)
    .attr("aria-hidden", "true")
    .attr("focusable", "false");
  svg.append("path").attr("d", ICONS[icon]);
  button.append("span").attr("class", "button-label").text(label);
  return button;
}

export function createPlotHeader(container, { title = "", enlargeable = false } = {}) {
  const header = container.append("header").attr("class", "plot-header");
  const titleEl = header.append("h2").attr("class", "plot-title").attr("title", title || null).text(title);
  const countEl = header.append("span").attr("class", "plot-count");
  const resetButton = iconButton(header, {
    className: "reset-zoom",
    label: "Reset zoom",
    title: "Show all points of this plot again",
    icon: "reset",
  });
  // Enlarge to the whole work area and back (Esc); the page decides the layout (plot-enlarge.js).
  const enlargeButton = enlargeable
    ? iconButton(header, {
        className: "enlarge",
        label: "Enlarge",
        title: "Enlarge this plot to the whole work area (Esc: back)",
        icon: "enlarge",
      }).attr("aria-pressed", "false")
    : null;

  return {
    resetButton,
    enlargeButton,
    setTitle(text) {
      titleEl.text(text).attr("title", text); // cut off in a narrow plot: the title says it all
    },
    setCount(text) {
      countEl.text(text);
    },
    setEnlarged(on) {
      if (!enlargeButton) return;
      const label = on ? "Back" : "Enlarge";
      enlargeButton.attr("aria-pressed", String(Boolean(on))).attr("aria-label", label);
      enlargeButton.select(".button-label").text(label);
      enlargeButton.select(".button-icon path").attr("d", ICONS[on ? "back" : "enlarge"]);
    },
  };
}
