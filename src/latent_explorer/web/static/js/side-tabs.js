// The side column's tabs (Iterations, Reconstructions, PCA): the WAI-ARIA tabs pattern. Click
// or Enter/Space picks a tab; Left/Right/Home/End move between tabs (roving tabindex), so the
// panels are reachable by keyboard without a Tab stop per tab.
//
//   const tabs = createSideTabs(tablistEl);
//   tabs.show("panel-reference");  tabs.on("change", ({panel}) => ...);

import { createEmitter } from "./emitter.js";

export function createSideTabs(tablist) {
  const emitter = createEmitter();
  const tabs = Array.from(tablist.querySelectorAll('[role="tab"]'));
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));

  function select(tab, { focus = false } = {}) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      panelOf(t).hidden = !on;
    }
    if (focus) tab.focus();
    emitter.emit("change", { panel: tab.getAttribute("aria-controls") });
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], { focus: true });
    });
  }

  return {
    on: emitter.on,
    /** Show the panel with this id. */
    show(panelId) {
      const tab = tabs.find((t) => t.getAttribute("aria-controls") === panelId);
      if (tab) select(tab);
    },
    shown: () => tabs.find((t) => t.getAttribute("aria-selected") === "true")?.getAttribute("aria-controls"),
  };
}
