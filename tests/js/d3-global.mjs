// The page loads d3 as a classic script (window.d3) and modules read it through js/d3.js.
// Node has no window: import this first, and the modules find d3 from node_modules where the
// page would find it.
import * as d3 from "d3";

globalThis.window = globalThis.window || {};
globalThis.window.d3 = d3;
