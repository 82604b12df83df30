// AdamW with PyTorch semantics (torch.optim.AdamW, amsgrad=False), on tfjs variables.
//
// Per parameter p with gradient g, at step t (1-based):
//   p <- p * (1 - lr * weight_decay)                 decoupled weight decay, before the update
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g * g
//   p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// The state (step count and the two moments per parameter) can be exported and loaded back,
// so a resumed run continues exactly where a checkpoint left it.
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  lr: number;
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  eps?: number; // default 1e-8
  weightDecay?: number; // default 0 (HF's default; torch's own default is 0.01)
}

/** Plain-data optimizer state, keyed by variable name: what a checkpoint stores. */
export interface AdamWState {
  step: number;
  hyper: Required<Omit<AdamWOptions, 'lr'>> & { lr: number };
  /** First moment per variable (Float32Array in variable.shape order). */
  m: Record<string, { shape: number[]; data: Float32Array }>;
  /** Second moment per variable. */
  v: Record<string, { shape: number[]; data: Float32Array }>;
}

/**
 * Parameters to optimise: a list (keyed by tf variable name) or a record of stable parameter
 * names (e.g. HF weight names) -> variables, so a checkpoint can be loaded into freshly created
 * variables whose tf names differ.
 */
export type AdamWParams = tf.Variable[] | Record<string, tf.Variable>;

export class AdamW {
  /** Parameter name -> variable; gradients and state use these names. */
  readonly params: Map<string, tf.Variable>;
  private readonly opts: Required<AdamWOptions>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private stepCount = 0;

  constructor(params: AdamWParams, options: AdamWOptions) {
    const entries: Array<[string, tf.Variable]> = Array.isArray(params) ? params.map((p) => [p.name, p]) : Object.entries(params);
    this.params = new Map(entries);
    if (this.params.size !== entries.length) throw new Error('AdamW: two parameters share a name');
    this.opts = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...options };
  }

  /** Optimizer steps taken so far (torch's state['step']). */
  get step(): number {
    return this.stepCount;
  }

  get lr(): number {
    return this.opts.lr;
  }

  /** Set the learning rate for the next step (the scheduler calls this). */
  setLr(lr: number): void {
    this.opts.lr = lr;
  }

  /**
   * One update. `grads` maps variable name -> gradient (tf.variableGrads' output).
   * Keys are the parameter names given to the constructor.
   * A parameter without a gradient is left untouched (like torch's `p.grad is None`),
   * its moments are not advanced either.
   */
  applyGradients(grads: tf.NamedTensorMap): void {
    this.stepCount += 1;
    const { lr, beta1, beta2, eps, weightDecay } = this.opts;
    const t = this.stepCount;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    for (const [name, p] of this.params) {
      const g = grads[name];
      if (g === undefined) continue;
      const m = this.slot(this.m, name, p);
      const v = this.slot(this.v, name, p);
      tf.tidy(() => {
        const decayed = weightDecay !== 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(vNew), bc2Sqrt), eps);
        m.assign(mNew);
        v.assign(vNew);
        p.assign(tf.sub(decayed, tf.mul(tf.div(mNew, denom), stepSize)));
      });
    }
  }

  exportState(): AdamWState {
    const dump = (slots: Map<string, tf.Variable>) => {
      const out: AdamWState['m'] = {};
      for (const [name, s] of slots) out[name] = { shape: [...s.shape], data: s.dataSync() as Float32Array };
      return out;
    };
    return { step: this.stepCount, hyper: { ...this.opts }, m: dump(this.m), v: dump(this.v) };
  }

  /** Load a state written by exportState (hyper-parameters other than the step count stay as configured). */
  loadState(state: AdamWState): void {
    const byName = this.params;
    for (const key of ['m', 'v'] as const) {
      for (const [name, { shape, data }] of Object.entries(state[key])) {
        const p = byName.get(name);
        if (!p) throw new Error(`optimizer state has a moment for ${name}, which the model does not train`);
        if (shape.join(',') !== p.shape.join(',')) {
          throw new Error(`optimizer state for ${name} has shape [${shape}], the model has [${p.shape}]`);
        }
        const slot = this.slot(key === 'm' ? this.m : this.v, name, p);
        tf.tidy(() => slot.assign(tf.tensor(data, shape, 'float32')));
      }
    }
    this.stepCount = state.step;
  }

  /** Number of tensors the optimizer holds (2 per parameter once it has stepped). */
  get slotCount(): number {
    return this.m.size + this.v.size;
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
    this.m.clear();
    this.v.clear();
  }

  private slot(slots: Map<string, tf.Variable>, name: string, p: tf.Variable): tf.Variable {
    let s = slots.get(name);
    if (!s) {
      s = tf.tidy(() => tf.variable(tf.zerosLike(p), false, undefined, 'float32'));
      slots.set(name, s);
    }
    return s;
  }
}
