// Per-stage bookkeeping for progress events: an ETA from the rate since the first update, and a
// throttle so line-based output does not print one line per training step.
import type { ProgressUpdate, StageName } from './reporter.ts';

interface StageRate {
  firstAt: number;
  firstDone: number;
  lastEmitAt: number;
}

export class ProgressClock {
  private readonly rates = new Map<StageName, StageRate>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forget a stage (it started again, or a new run began). */
  reset(stage?: StageName): void {
    if (stage) this.rates.delete(stage);
    else this.rates.clear();
  }

  /**
   * Records an update; returns whether it should be shown (the first, the last, or the first after
   * `intervalMs`) and the estimated seconds left.
   */
  observe(stage: StageName, update: ProgressUpdate): { show: boolean; etaSeconds?: number } {
    const now = this.now();
    let rate = this.rates.get(stage);
    if (!rate) {
      rate = { firstAt: now, firstDone: update.done, lastEmitAt: -Infinity };
      this.rates.set(stage, rate);
    }
    const finished = update.total !== undefined && update.done >= update.total;
    const show = finished || now - rate.lastEmitAt >= this.intervalMs;
    if (show) rate.lastEmitAt = now;
    return { show, etaSeconds: update.etaSeconds ?? estimate(rate, update, now) };
  }
}

function estimate(rate: StageRate, update: ProgressUpdate, now: number): number | undefined {
  if (update.total === undefined) return undefined;
  const progressed = update.done - rate.firstDone;
  const elapsed = now - rate.firstAt;
  if (progressed <= 0 || elapsed <= 0) return undefined;
  return ((update.total - update.done) * elapsed) / progressed / 1000;
}
