// Whether this process can still use its tfjs backend. Kept apart from backend.ts (which loads tfjs)
// so the run flow can ask without loading tfjs.
// After an abort inside the wasm module (its 4 GB heap ran out, say), that module is dead for the rest
// of the process: every later tensor op fails. The trainer marks it here; the run flow then stops
// and `exp run` continues the remaining runs of the sweep in a fresh process.
let unusableReason: string | undefined;

/** Marks the current backend as unusable in this process (why: for the user). */
export function markBackendUnusable(reason: string): void {
  unusableReason = reason;
}

/** Why the backend can no longer be used in this process, or undefined while it can. */
export function backendUnusableReason(): string | undefined {
  return unusableReason;
}
