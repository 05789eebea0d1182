// The address bar holds the shown experiment and iteration (?experiment=<id>&iteration=<k>),
// so a reload or a shared link reopens the same view and two tabs never share state.

// The server's ids are uuid4 hex; anything else is refused before asking it.
export const EXPERIMENT_ID = /^[0-9a-f]{32}$/;

/** Write the address: "push" for a new experiment (Back returns), "replace" otherwise. */
export function setUrl(id, k, how) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("experiment", id);
  else url.searchParams.delete("experiment");
  if (k !== null && k !== undefined) url.searchParams.set("iteration", String(k));
  else url.searchParams.delete("iteration");
  if (url.href === window.location.href) return;
  if (how === "push") window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

/** {id, iteration}: id as written (check it with EXPERIMENT_ID), iteration a number or null. */
export function readUrl() {
  const params = new URL(window.location.href).searchParams;
  const id = params.get("experiment");
  const k = params.get("iteration");
  return { id, iteration: k !== null && /^\d+$/.test(k) ? Number(k) : null };
}
