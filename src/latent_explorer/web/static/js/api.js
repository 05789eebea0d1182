// The only module that talks to the server. Every call returns parsed JSON or throws an
// ApiError carrying the server's {"error": {"code", "message"}} so the page can show it.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", `The server did not answer (${err.message}). Is it still running?`);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // A proxy or a crash may answer with HTML; fall through to a generic message.
  }
  if (!response.ok) {
    const error = payload && payload.error;
    throw new ApiError(
      response.status,
      (error && error.code) || `http_${response.status}`,
      (error && error.message) || `${method} ${path} failed with HTTP ${response.status}`,
    );
  }
  return payload;
}

const enc = encodeURIComponent;
const exp = (id) => `/api/experiments/${enc(id)}`;
const idList = (ids) => ids.map((i) => String(i | 0)).join(",");

export const api = {
  datasets: () => request("GET", "/api/datasets"),
  models: (dataset) => request("GET", `/api/models?dataset=${enc(dataset)}`),
  createExperiment: (body) => request("POST", "/api/experiments", body),
  experiment: (id) => request("GET", exp(id)),
  embedding: (id, k) => request("GET", `${exp(id)}/iterations/${k | 0}/embedding`),
  metrics: (id, k) => request("GET", `${exp(id)}/iterations/${k | 0}/metrics`),
  points: (id, ids) => request("GET", `${exp(id)}/points?ids=${idList(ids)}`),
  reconstructions: (id, k, ids) =>
    request("GET", `${exp(id)}/iterations/${k | 0}/reconstructions?ids=${idList(ids)}`),
  submitIteration: (id, body) => request("POST", `${exp(id)}/iterations`, body),
  cancelJob: (id) => request("DELETE", `${exp(id)}/job`),

  /**
   * Follow a job's Server-Sent Events. handlers: {progress, projected, done, error, cancelled,
   * idle, disconnect}; each gets the parsed data. "projected" ({iteration}) comes when the
   * iteration's coordinates are stored, before its metrics; "done" when those are stored too. The stream is closed on any terminal event so the
   * browser does not reconnect and replay it. Returns {close()}.
   */
  events(id, handlers) {
    const source = new EventSource(`${exp(id)}/events`);
    let closed = false;
    const close = () => {
      closed = true;
      source.close();
    };
    const parse = (e) => {
      try {
        return JSON.parse(e.data);
      } catch {
        return {};
      }
    };
    const on = (name, terminal) =>
      source.addEventListener(name, (e) => {
        if (closed) return;
        if (terminal) close();
        handlers[name]?.(parse(e));
      });
    on("progress", false);
    on("projected", false);
    for (const name of ["done", "cancelled", "idle"]) on(name, true);
    source.addEventListener("error", (e) => {
      if (closed) return;
      if (typeof e.data === "string") {
        // A server-sent `event: error`: the job failed.
        close();
        handlers.error?.(parse(e));
      } else if (source.readyState === EventSource.CLOSED) {
        // The connection failed for good (e.g. the server went away or answered 404).
        close();
        handlers.disconnect?.();
      }
      // Otherwise the browser reconnects by itself and resumes after the last event id.
    });
    return { close };
  },
};
