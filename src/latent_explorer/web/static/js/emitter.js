// A tiny event emitter: charts and models announce changes; main.js decides who listens.

export function createEmitter() {
  const listeners = new Map();
  return {
    /** Subscribe; returns a function that unsubscribes. */
    on(type, callback) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(callback);
      return () => listeners.get(type)?.delete(callback);
    },
    emit(type, payload) {
      for (const callback of [...(listeners.get(type) || [])]) callback(payload);
    },
  };
}
