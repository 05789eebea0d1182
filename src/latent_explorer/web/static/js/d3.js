// d3 v7 is loaded as a classic UMD script before the modules (see index.html), so every
// module imports it from here instead of reaching for the global itself.
export const d3 = window.d3;

if (!d3) {
  throw new Error("d3 did not load: /static/vendor/d3.min.js is missing (run `make run`)");
}
