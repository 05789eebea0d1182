// The experiment this tab shows, and what the page has loaded for it: its server record (in
// the state), the class of every point and the embeddings already fetched.
//
// Every answer from the server arrives after an await; by then the user may have trained or
// opened another experiment. The session token tells the two apart: code keeps the token it
// started with (`const mine = session.token`) and drops the answer when `!session.isCurrent(mine)`.
//
//   session.on("reset", () => ...);                    // a new experiment is about to be shown
//   session.on("labels", ({labels, dataset}) => ...);  // the classes of its points are known
//   session.on("adopt", (exp) => ...);                 // its server record arrived the first time

import { api } from "./api.js";
import { createEmitter } from "./emitter.js";

export function createSession({ state, errors }) {
  const emitter = createEmitter();
  let token = 0;
  let labels = null; // Int32Array: class of each point id
  let classIdsCache = new Map(); // class index -> ids
  const embeddings = new Map(); // iteration -> Promise of the embedding answer
  let labelColumn = null; // Promise of the points' classes (Int32Array): equal in every iteration

  const session = {
    on: emitter.on,

    get token() {
      return token;
    },
    isCurrent: (mine) => mine === token,

    /** Forget everything about the shown experiment; older answers become stale. */
    reset() {
      token++;
      labels = null;
      classIdsCache = new Map();
      embeddings.clear();
      labelColumn = null;
      emitter.emit("reset");
    },

    get labels() {
      return labels;
    },
    nPoints: () => (labels ? labels.length : 0),

    adoptLabels(values, dataset) {
      labels = Int32Array.from(values);
      classIdsCache = new Map();
      emitter.emit("labels", { labels, dataset });
    },

    /** Ids of class c, computed once per experiment (legend clicks repeat them). */
    classIds(c) {
      if (!labels) return [];
      if (!classIdsCache.has(c)) {
        const ids = [];
        for (let i = 0; i < labels.length; i++) if (labels[i] === c) ids.push(i);
        classIdsCache.set(c, ids);
      }
      return classIdsCache.get(c);
    },

    /**
     * Iteration k's points, {n, iteration, parent, x, y, labels, selected}: x and y are
     * Float32Arrays over the binary answer, labels an Int32Array. Fetched once per iteration
     * and shared by every view of it; the labels, equal in every iteration, only once.
     */
    embedding(k) {
      if (!embeddings.has(k)) {
        const id = state.get().experimentId;
        if (!labelColumn) {
          const mine = api.embeddingColumns(id, k, ["labels"]).then((a) => Int32Array.from(a.labels));
          mine.catch(() => {
            if (labelColumn === mine) labelColumn = null; // let a later call retry
          });
          labelColumn = mine;
        }
        const p = Promise.all([api.coordinates(id, k), api.embeddingColumns(id, k, ["selected"]), labelColumn]).then(
          ([xy, columns, classes]) => ({ ...xy, selected: columns.selected, labels: classes }),
        );
        p.catch(() => embeddings.delete(k)); // let a later call retry
        embeddings.set(k, p);
      }
      return embeddings.get(k);
    },

    /** Take a fetched record of the experiment into the state. */
    adopt(exp) {
      const first = !state.get().experiment;
      state.set({ experiment: exp, datasetName: exp.dataset.name, model: exp.model });
      if (first) emitter.emit("adopt", exp);
    },

    /** Fetch the experiment's record into the state; null when stale or failed (shown). */
    async refresh(mine) {
      try {
        const exp = await api.experiment(state.get().experimentId);
        if (mine !== token) return null;
        session.adopt(exp);
        return exp;
      } catch (err) {
        if (mine === token) errors.show(err, "Loading the experiment");
        return null;
      }
    },
  };
  return session;
}
