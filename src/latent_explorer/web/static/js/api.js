// The only module that talks to the server. Every call returns parsed JSON (or, for the
// coordinates, typed arrays over the raw bytes) or throws an ApiError carrying the server's
// {"error": {"code", "message"}} so the page can show it.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

async function send(method, path, body, accept) {
  const init = { method, headers: { Accept: accept } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", `The server did not answer (${err.message}). Is it still running?`);
  }
}

async function failure(response, method, path) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // A proxy or a crash may answer with HTML; fall through to a generic message.
  }
  const error = payload?.error;
  return new ApiError(
    response.status,
    error?.code || `http_${response.status}`,
    error?.message || `${method} ${path} failed with HTTP ${response.status}`,
  );
}

async function request(method, path, body) {
  const response = await send(method, path, body, "application/json");
  if (!response.ok) throw await failure(response, method, path);
  try {
    return await response.json();
  } catch {
    return null; // a 2xx without a JSON body (none of ours today)
  }
}

// The typed arrays view the response's bytes directly, which needs the wire order (little-
// endian) to be the machine's; on a big-endian machine the values are copied through a DataView.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * GET .../embedding?format=f32: x and y as two Float32Arrays over one ArrayBuffer (8n bytes,
 * [x_0..x_{n-1}, y_0..y_{n-1}]); no text is parsed and nothing is copied.
 */
async function coordinates(path, { none = null } = {}) {
  const response = await send("GET", path, undefined, "application/octet-stream");
  if (!response.ok) throw await failure(response, "GET", path);
  if (response.status === none) return null; // e.g. a live frame that is gone: nothing to draw
  const buffer = await response.arrayBuffer();
  const n = Number(response.headers.get("X-Points"));
  if (!Number.isInteger(n) || n < 0 || buffer.byteLength !== 8 * n) {
    throw new ApiError(response.status, "bad_answer", `GET ${path}: ${buffer.byteLength} bytes for ${n} points`);
  }
  const parent = response.headers.get("X-Parent");
  const meta = {
    n,
    iteration: Number(response.headers.get("X-Iteration")),
    parent: parent === null || parent === "none" ? null : Number(parent),
  };
  // A live frame (.../live) names the epoch whose model gave it.
  if (response.headers.has("X-Epoch")) {
    meta.epoch = Number(response.headers.get("X-Epoch"));
    meta.epochs = Number(response.headers.get("X-Epochs"));
  }
  if (LITTLE_ENDIAN) return { ...meta, x: new Float32Array(buffer, 0, n), y: new Float32Array(buffer, 4 * n, n) };
  const view = new DataView(buffer);
  const column = (offset) => Float32Array.from({ length: n }, (_, i) => view.getFloat32(offset + 4 * i, true));
  return { ...meta, x: column(0), y: column(4 * n) };
}

/**
 * GET .../seeds/aligned?format=f32: every seed's coordinates aligned onto the first, seed after
 * seed, each x then y: {n, seeds: [seed values], x: [Float32Array per seed], y: [...]}.
 */
async function alignedSeeds(path) {
  const response = await send("GET", path, undefined, "application/octet-stream");
  if (!response.ok) throw await failure(response, "GET", path);
  const buffer = await response.arrayBuffer();
  const n = Number(response.headers.get("X-Points"));
  const count = Number(response.headers.get("X-Seeds"));
  if (!Number.isInteger(n) || !Number.isInteger(count) || buffer.byteLength !== 8 * n * count) {
    throw new ApiError(response.status, "bad_answer", `GET ${path}: ${buffer.byteLength} bytes for ${count} seeds of ${n} points`);
  }
  const seeds = (response.headers.get("X-Seed-Values") || "").split(",").map(Number);
  const view = new DataView(buffer);
  const column = (offset) =>
    LITTLE_ENDIAN ? new Float32Array(buffer, offset, n) : Float32Array.from({ length: n }, (_, i) => view.getFloat32(offset + 4 * i, true));
  const x = [];
  const y = [];
  for (let s = 0; s < count; s++) {
    x.push(column(8 * n * s));
    y.push(column(8 * n * s + 4 * n));
  }
  return { n, seeds, x, y };
}

// --- insight --- (per-point values as float32 bytes, like the coordinates)
/**
 * GET .../per_point?key=...&format=f32: one Float32Array of n values (NaN: none) with the
 * extent the server measured, {values, min, max, iteration}.
 */
async function perPointValues(path, { none = null } = {}) {
  const response = await send("GET", path, undefined, "application/octet-stream");
  if (!response.ok) throw await failure(response, "GET", path);
  if (response.status === none) return null; // partial values replaced by the exact ones
  const buffer = await response.arrayBuffer();
  const n = Number(response.headers.get("X-Points"));
  if (!Number.isInteger(n) || n < 0 || buffer.byteLength !== 4 * n) {
    throw new ApiError(response.status, "bad_answer", `GET ${path}: ${buffer.byteLength} bytes for ${n} values`);
  }
  const number = (name) => {
    const v = Number(response.headers.get(name));
    return Number.isFinite(v) ? v : null;
  };
  let values;
  if (LITTLE_ENDIAN) values = new Float32Array(buffer);
  else {
    const view = new DataView(buffer);
    values = Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
  }
  return { values, min: number("X-Min"), max: number("X-Max"), iteration: number("X-Iteration") };
}
// --- end insight ---

const enc = encodeURIComponent;
const exp = (id) => `/api/experiments/${enc(id)}`;
const idList = (ids) => ids.map((i) => String(i | 0)).join(",");

export const api = {
  datasets: () => request("GET", "/api/datasets"),
  models: (dataset) => request("GET", `/api/models?dataset=${enc(dataset)}`),
  createExperiment: (body) => request("POST", "/api/experiments", body),
  experiment: (id) => request("GET", exp(id)),
  /** Iteration k's coordinates as {n, iteration, parent, x, y} with Float32Array columns. */
  coordinates: (id, k) => coordinates(`${exp(id)}/iterations/${k | 0}/embedding?format=f32`),
  /** The latest coordinates of iteration k while it trains: {n, iteration, epoch, epochs, x, y}, or null. */
  liveFrame: (id, k) => coordinates(`${exp(id)}/iterations/${k | 0}/live`, { none: 204 }),
  /** The class index of every point, known before any iteration is stored. */
  labels: (id) => request("GET", `${exp(id)}/labels`),
  /** Columns of the JSON embedding without x/y, e.g. ["labels", "selected"]. */
  embeddingColumns: (id, k, fields) =>
    request("GET", `${exp(id)}/iterations/${k | 0}/embedding?fields=${fields.map(enc).join(",")}`),
  /** Everything about iteration k's points: binary coordinates plus labels and selection. */
  async embedding(id, k) {
    const [xy, columns] = await Promise.all([
      api.coordinates(id, k),
      api.embeddingColumns(id, k, ["labels", "selected"]),
    ]);
    return { ...columns, ...xy };
  },
  metrics: (id, k) => request("GET", `${exp(id)}/iterations/${k | 0}/metrics`),
  seeds: (id, k) => request("GET", `${exp(id)}/iterations/${k | 0}/seeds`),
  cancelSeeds: (id) => request("DELETE", `${exp(id)}/seeds`),
  /** Every seed's coordinates of iteration k aligned onto the first: {n, seeds, x: [], y: []}. */
  seedsAligned: (id, k) => alignedSeeds(`${exp(id)}/iterations/${k | 0}/seeds/aligned?format=f32`),
  points: (id, ids) => request("GET", `${exp(id)}/points?ids=${idList(ids)}`),
  reconstructions: (id, k, ids) =>
    request("GET", `${exp(id)}/iterations/${k | 0}/reconstructions?ids=${idList(ids)}`),
  submitIteration: (id, body) => request("POST", `${exp(id)}/iterations`, body),

  // --- insight --- what the latent space means (web/insight.py and the decode route)
  /** Decoder output at latent points (at most 1,000): {shape, images} or {feature_names, values}. */
  decode: (id, k, points) => request("POST", `${exp(id)}/decode`, { iteration: k | 0, points }),
  /** Feature means and the model-units map: raw = decoded * feature_scale + feature_mean. */
  featureStats: (id) => request("GET", `${exp(id)}/feature_stats`),
  /** A point's k nearest neighbours in one space ("original" | "latent") with ranks in the other. */
  neighbours: (id, k, { point, count = 10, space = "original" }) =>
    request(
      "GET",
      `${exp(id)}/iterations/${k | 0}/neighbors?id=${point | 0}&k=${count | 0}&space=${enc(space)}`,
    ),
  /** One value per point for colouring: {values: Float32Array, min, max}; 409 while measured. */
  perPoint: (id, k, key) => perPointValues(`${exp(id)}/iterations/${k | 0}/per_point?key=${enc(key)}&format=f32`),
  /**
   * Local trustworthiness or continuity of iteration k while it is measured: {values} with NaN
   * for the points not measured yet; null once the exact values are stored (use perPoint).
   */
  partialPerPoint: (id, k, key) =>
    perPointValues(`${exp(id)}/iterations/${k | 0}/per_point/partial?key=${enc(key)}`, { none: 204 }),
  /** What points can be coloured by: [{name, kind, source}]. */
  attributes: (id) => request("GET", `${exp(id)}/attributes`),
  /** One attribute for every point: numeric {values, min, max} or categorical {categories, codes}. */
  attribute: (id, name) => request("GET", `${exp(id)}/attributes/${enc(name)}`),
  /** The data's 2-D PCA: {x, y, metrics, explained_variance_ratio}. */
  pca: (id) => request("GET", `${exp(id)}/pca`),
  // --- end insight ---
  /** Cancel one job by its id (train or measure); a job that already ended answers 409. */
  cancelJob: (jobId) => request("DELETE", `/api/jobs/${enc(jobId)}`),
  /** "Stop now, keep this model": a running training ends after its epoch and is kept. */
  stopJob: (jobId) => request("POST", `/api/jobs/${enc(jobId)}/stop`),
  /** A job row: {id, kind, iteration, state, progress, queue_position, ...}. */
  job: (jobId) => request("GET", `/api/jobs/${enc(jobId)}`),
  /** Per-class reconstruction error, T and NH over iterations 0..k (core/forgetting.py). */
  forgetting: (id, k) => request("GET", `${exp(id)}/iterations/${k | 0}/forgetting`),
  /** The fixed per-class sample reconstructed by every iteration 0..k, or the tabular heat map. */
  strip: (id, k) => request("GET", `${exp(id)}/iterations/${k | 0}/strip`),

  /**
   * Follow an experiment's job events (Server-Sent Events). handlers: {queued, started,
   * progress, live, estimates, projected, measured, trained, done, error, cancelled, interrupted, requeued,
   * idle, disconnect}; each gets the parsed data, which names its job_id, kind and iteration.
   * One stream carries every job of the experiment (a train job, then its measure job, ...);
   * the server ends it with "idle" once no job is queued or running, and only then is it
   * closed here. `after` (a POST's events_after) replays from just before that job; the
   * browser resumes after the last event id by itself when a connection drops.
   * Returns {close()}.
   */
  events(id, handlers, { after = null } = {}) {
    const query = after === null || after === undefined ? "" : `?after=${Number(after) | 0}`;
    const source = new EventSource(`${exp(id)}/events${query}`);
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
    const names = ["queued", "started", "progress", "live", "estimates", "projected", "measured", "trained", "done", "cancelled", "interrupted", "requeued"];
    for (const name of names) {
      source.addEventListener(name, (e) => {
        if (!closed) handlers[name]?.(parse(e));
      });
    }
    source.addEventListener("idle", (e) => {
      if (closed) return;
      close();
      handlers.idle?.(parse(e));
    });
    source.addEventListener("error", (e) => {
      if (closed) return;
      if (typeof e.data === "string") {
        // A server-sent `event: error`: that job failed; others may follow on this stream.
        handlers.error?.(parse(e));
      } else if (source.readyState === EventSource.CLOSED) {
        // The connection failed for good (e.g. the server went away or answered 404/429).
        close();
        handlers.disconnect?.();
      }
      // Otherwise the browser reconnects by itself and resumes after the last event id.
    });
    return { close };
  },
};

// --- persistence, uploads, exports -------------------------------------------------------------
// Added as a block of its own (Object.assign) so the calls above stay untouched.

/** POST a multipart form (the browser sets its boundary); JSON answer or an ApiError. */
async function sendForm(path, form) {
  let response;
  try {
    response = await fetch(path, { method: "POST", headers: { Accept: "application/json" }, body: form });
  } catch (err) {
    // A server that refuses an oversized body may close the connection before answering.
    throw new ApiError(
      0,
      "network",
      `The upload did not reach the server (${err.message}). The file may be larger than the upload limit, or the server stopped.`,
    );
  }
  if (!response.ok) throw await failure(response, "POST", path);
  return response.json();
}

Object.assign(api, {
  /** Stored experiments, newest first: {experiments: [{id, dataset, dataset_title, model, ...}]}. */
  experiments: (limit = 50) => request("GET", `/api/experiments?limit=${limit | 0}`),
  deleteExperiment: (id) => request("DELETE", exp(id)),
  /** Upload a CSV file: the per-column report to choose features from (see openapi.py, Upload). */
  upload(file, delimiter = null) {
    const form = new FormData();
    form.append("file", file, file.name);
    if (delimiter) form.append("delimiter", delimiter);
    return sendForm("/api/uploads", form);
  },
  /** {upload_id, name, features, label, scaling, drop_bad_rows} -> the new dataset's info. */
  createDataset: (body) => request("POST", "/api/datasets", body),
  deleteDataset: (name) => request("DELETE", `/api/datasets/${enc(name)}`),
});

/**
 * Download addresses of one iteration, for <a download href=...>: the server names the file
 * (<dataset>-<model>-iteration<k>...) in its Content-Disposition header.
 */
export const urls = {
  exportCsv: (id, k) => `${exp(id)}/iterations/${k | 0}/export.csv`,
  selectionJson: (id, k) => `${exp(id)}/iterations/${k | 0}/selection.json`,
  metricsJson: (id, k) => `${exp(id)}/iterations/${k | 0}/metrics.json`,
  checkpoint: (id, k) => `${exp(id)}/iterations/${k | 0}/checkpoint.pt`,
  forgettingJson: (id, k) => `${exp(id)}/iterations/${k | 0}/forgetting.json`,
  forgettingCsv: (id, k) => `${exp(id)}/iterations/${k | 0}/forgetting.csv`,
  report: (id) => `${exp(id)}/report`, // the whole experiment, every iteration
};
