// The error banner (role="alert"): messages from the API or from input checks, always set as
// text so a message quoting a dataset or column name cannot inject markup.

import { d3 } from "./d3.js";

const MAX_SHOWN = 4;

export function createErrorBanner(root, { onChange } = {}) {
  const el = d3.select(root);
  const list = el.select(".error-list");
  const shown = []; // every message shown since the page loaded (the test hook reads it)
  let visible = [];

  el.select(".error-dismiss").on("click", () => api.clear());

  function render() {
    list.selectAll("li").data(visible).join("li").text((d) => d);
    root.hidden = visible.length === 0;
  }

  const api = {
    /** Show a message; accepts an Error (ApiError included) or a string. */
    show(error, context = "") {
      const text = typeof error === "string" ? error : error?.message || String(error);
      const message = context ? `${context}: ${text}` : text;
      shown.push(message);
      visible = [...visible, message].slice(-MAX_SHOWN);
      render();
      onChange?.(shown);
    },
    clear() {
      visible = [];
      render();
    },
    messages: () => [...shown],
  };
  return api;
}
