// An independent float64 Whisper forward in plain JavaScript (loops, no tfjs), written from HF's
// modeling_whisper.py. It tells float32 rounding apart from real bugs: PyTorch's own float32 results
// drift from it by ~1e-4 on the unnormalised hidden states of the fixture model (values up to ~90).
import { readSafetensors } from '../../src/model/whisper/safetensors.ts';
import { join } from 'node:path';

type F = Float64Array;

function erf(x: number): number {
  const t = Math.abs(x);
  if (t > 6) return Math.sign(x);
  if (t < 2.5) {
    let sum = t, term = t;
    for (let n = 1; n < 300; n++) {
      term *= (-t * t) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-18) break;
    }
    return ((Math.sign(x) * 2) / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 80; n >= 1; n--) f = n / 2 / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}
const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

export class Reference64 {
  private w: Map<string, F>;
  constructor(dir: string, private d = 32, private heads = 4, private ffn = 128, private layers = 2) {
    this.w = new Map([...readSafetensors(join(dir, 'model.safetensors'))].map(([k, v]) => [k, Float64Array.from(v.data)]));
  }
  private g(n: string): F {
    const v = this.w.get(n);
    if (!v) throw new Error(`reference64: no ${n}`);
    return v;
  }
  private conv(x: F, T: number, Cin: number, w: F, b: F, Cout: number, stride: number): { y: F; T: number } {
    const To = Math.floor((T - 1) / stride) + 1;
    const y = new Float64Array(To * Cout);
    for (let t = 0; t < To; t++)
      for (let o = 0; o < Cout; o++) {
        let s = b[o];
        for (let k = 0; k < 3; k++) {
          const ti = t * stride + k - 1;
          if (ti < 0 || ti >= T) continue;
          for (let c = 0; c < Cin; c++) s += x[ti * Cin + c] * w[(o * Cin + c) * 3 + k];
        }
        y[t * Cout + o] = gelu(s);
      }
    return { y, T: To };
  }
  private ln(x: F, p: string): F {
    const D = this.d, w = this.g(`${p}.weight`), b = this.g(`${p}.bias`);
    const y = new Float64Array(x.length);
    for (let t = 0; t < x.length / D; t++) {
      let m = 0;
      for (let i = 0; i < D; i++) m += x[t * D + i];
      m /= D;
      let v = 0;
      for (let i = 0; i < D; i++) v += (x[t * D + i] - m) ** 2;
      const r = 1 / Math.sqrt(v / D + 1e-5);
      for (let i = 0; i < D; i++) y[t * D + i] = (x[t * D + i] - m) * r * w[i] + b[i];
    }
    return y;
  }
  private lin(x: F, p: string, In: number, Out: number, bias = true): F {
    const w = this.g(`${p}.weight`), b = bias ? this.g(`${p}.bias`) : null;
    const n = x.length / In, y = new Float64Array(n * Out);
    for (let t = 0; t < n; t++)
      for (let o = 0; o < Out; o++) {
        let s = b ? b[o] : 0;
        for (let i = 0; i < In; i++) s += x[t * In + i] * w[o * In + i];
        y[t * Out + o] = s;
      }
    return y;
  }
  private attn(x: F, kv: F, p: string, causal: boolean): F {
    const D = this.d, H = this.heads, dh = D / H, Tq = x.length / D, Tk = kv.length / D;
    const q = this.lin(x, `${p}.q_proj`, D, D).map((v) => v / Math.sqrt(dh));
    const k = this.lin(kv, `${p}.k_proj`, D, D, false), v = this.lin(kv, `${p}.v_proj`, D, D);
    const out = new Float64Array(Tq * D), sc = new Float64Array(Tk);
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Tq; i++) {
        const n = causal ? i + 1 : Tk;
        let mx = -Infinity;
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let e = 0; e < dh; e++) s += q[i * D + h * dh + e] * k[j * D + h * dh + e];
          sc[j] = s;
          if (s > mx) mx = s;
        }
        let z = 0;
        for (let j = 0; j < n; j++) z += (sc[j] = Math.exp(sc[j] - mx));
        for (let e = 0; e < dh; e++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += sc[j] * v[j * D + h * dh + e];
          out[i * D + h * dh + e] = s / z;
        }
      }
    return this.lin(out, `${p}.out_proj`, D, D);
  }
  private ffnBlock(x: F, p: string): F {
    const h = this.lin(this.lin(this.ln(x, `${p}.final_layer_norm`), `${p}.fc1`, this.d, this.ffn).map(gelu), `${p}.fc2`, this.ffn, this.d);
    return x.map((v, i) => v + h[i]);
  }
  /** features [n_mels * T] (mel-major, as stored) -> [input of layer 0, outputs of each layer..., final LN]. */
  encoder(features: Float32Array, mels = 80, T = 3000): F[] {
    const x0 = new Float64Array(T * mels);
    for (let m = 0; m < mels; m++) for (let t = 0; t < T; t++) x0[t * mels + m] = features[m * T + t];
    const c1 = this.conv(x0, T, mels, this.g('model.encoder.conv1.weight'), this.g('model.encoder.conv1.bias'), this.d, 1);
    const c2 = this.conv(c1.y, c1.T, this.d, this.g('model.encoder.conv2.weight'), this.g('model.encoder.conv2.bias'), this.d, 2);
    const pos = this.g('model.encoder.embed_positions.weight');
    let x: F = c2.y.map((v, i) => v + pos[i]);
    const states: F[] = [x];
    for (let l = 0; l < this.layers; l++) {
      const p = `model.encoder.layers.${l}`;
      const a = this.attn(this.ln(x, `${p}.self_attn_layer_norm`), this.ln(x, `${p}.self_attn_layer_norm`), `${p}.self_attn`, false);
      x = this.ffnBlock(x.map((v, i) => v + a[i]), p);
      states.push(x);
    }
    states.push(this.ln(x, 'model.encoder.layer_norm'));
    return states;
  }
  /** ids -> [embeddings, output of each layer..., final LN]; `enc` = encoder final LN output. */
  decoder(ids: number[], enc: F): F[] {
    const D = this.d, E = this.g('model.decoder.embed_tokens.weight'), P = this.g('model.decoder.embed_positions.weight');
    let x: F = new Float64Array(ids.length * D);
    ids.forEach((id, t) => { for (let i = 0; i < D; i++) x[t * D + i] = E[id * D + i] + P[t * D + i]; });
    const states: F[] = [x];
    for (let l = 0; l < this.layers; l++) {
      const p = `model.decoder.layers.${l}`;
      const h = this.ln(x, `${p}.self_attn_layer_norm`);
      const a = this.attn(h, h, `${p}.self_attn`, true);
      x = x.map((v, i) => v + a[i]);
      const c = this.attn(this.ln(x, `${p}.encoder_attn_layer_norm`), enc, `${p}.encoder_attn`, false);
      x = this.ffnBlock(x.map((v, i) => v + c[i]), p);
      states.push(x);
    }
    states.push(this.ln(x, 'model.decoder.layer_norm'));
    return states;
  }
}
