// Parity of our tfjs Whisper with Hugging Face transformers (PyTorch) on the golden fixtures,
// registered once per backend by parity.<backend>.test.ts (each test file is its own process).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/engine/backend.ts';
import { loadWhisper } from '../../src/model/whisper/io.ts';
import { hfLayout, type WhisperModel } from '../../src/model/whisper/model.ts';
import { generateGreedy } from '../../src/model/whisper/generate.ts';
import { setAccurateSums } from '../../src/model/whisper/ops.ts';
import { AdamW } from '../../src/engine/optim/adamw.ts';
import { clipByGlobalNorm } from '../../src/engine/optim/clip.ts';
import { Reference64 } from './reference64.ts';
import { featuresBatch, collatorBatch, readBin, readJson, maxAbsDiff, l2, tinyRandomDir, UTTS } from './fixtures.ts';

const TOL_ACT = 1e-4; // hidden states and logits, max abs
const TOL_LOSS = 1e-5; // relative
const TOL_GRAD = 1e-3; // relative, per parameter gradient norm (and relative L2 error of full gradients)
const TOL_PARAM = 1e-5; // parameter values after 3 AdamW steps, max abs

/** Rows [from, from+n) of a [B, ...] float array with `per` values per row. */
const rows = (a: Float32Array | Float64Array, from: number, n: number, per: number) => a.subarray(from * per, (from + n) * per);

export function paritySuite(backend: 'cpu' | 'wasm', opts: { fullGenerate: boolean; accurateSums: boolean }): void {
  describe(`Whisper parity with HF transformers, ${backend} backend${backend === 'wasm' ? `, ${opts.accurateSums ? 'accurate' : 'fast'} sums` : ''}`, () => {
    let model: WhisperModel;
    let feats: tf.Tensor3D;
    const { labels, decoderInputIds } = collatorBatch();
    const fwd: { enc: Float32Array[]; encLast: Float32Array; dec: Float32Array[]; logits: Float32Array } = { enc: [], encLast: new Float32Array(), dec: [], logits: new Float32Array() };

    before(async () => {
      await selectBackend(backend);
      setAccurateSums(opts.accurateSums);
      model = await loadWhisper(tinyRandomDir);
      feats = featuresBatch();
      const hs = { encoder: [] as tf.Tensor[], decoder: [] as tf.Tensor[] };
      const ids = tf.tensor2d(decoderInputIds, undefined, 'int32');
      const logits = model.forward(feats, ids, { hiddenStates: hs });
      const encLast = model.encode(feats);
      fwd.enc = hs.encoder.map((t) => t.dataSync() as Float32Array);
      fwd.dec = hs.decoder.map((t) => t.dataSync() as Float32Array);
      fwd.encLast = encLast.dataSync() as Float32Array;
      fwd.logits = logits.dataSync() as Float32Array;
      tf.dispose([...hs.encoder, ...hs.decoder, ids, logits, encLast]);
    });
    after(() => {
      model.dispose();
      feats.dispose();
      setAccurateSums(false); // the library default
    });

    it('encoder last hidden state (after layer_norm) within 1e-4 of HF', () => {
      const ref = readBin('forward/encoder_last_hidden_state');
      assert.deepEqual(ref.shape, [3, 1500, 32]);
      const err = maxAbsDiff(fwd.encLast, ref.data);
      assert.ok(err <= TOL_ACT, `max abs err ${err}`);
    });

    it('decoder embeddings and final layer_norm output within 1e-4 of HF', () => {
      const ref = readBin('forward/decoder_hidden_states'); // [3 batch, 3 stage, 25, 32]
      const per = 25 * 32;
      for (const stage of [0, 2]) {
        for (let b = 0; b < 3; b++) {
          const err = maxAbsDiff(rows(fwd.dec[stage], b, 1, per), ref.data.subarray((b * 3 + stage) * per, (b * 3 + stage + 1) * per));
          assert.ok(err <= TOL_ACT, `stage ${stage} item ${b}: max abs err ${err}`);
        }
      }
    });

    it('logits within 1e-4 of HF (utt1 all positions, utt3 last position, selected columns)', () => {
      const V = 51865;
      const l1 = readBin('forward/logits_utt1');
      const e1 = maxAbsDiff(fwd.logits.subarray(0, 16 * V), l1.data);
      assert.ok(e1 <= TOL_ACT, `utt1 logits max abs err ${e1}`);
      const l3 = readBin('forward/logits_utt3_last_position');
      const off = (2 * 25 + 20) * V;
      const e3 = maxAbsDiff(fwd.logits.subarray(off, off + V), l3.data);
      assert.ok(e3 <= TOL_ACT, `utt3 last-position logits max abs err ${e3}`);
      const sel = readBin('forward/logits_selected_columns');
      const cols = readJson<{ columns: number[] }>('forward/logits_selected_columns.json').columns;
      const ours = new Float32Array(3 * 25 * cols.length);
      for (let p = 0; p < 75; p++) cols.forEach((c, j) => (ours[p * cols.length + j] = fwd.logits[p * V + c]));
      const es = maxAbsDiff(ours, sel.data);
      assert.ok(es <= TOL_ACT, `selected columns max abs err ${es}`);
    });

    it('unnormalised hidden states within 1e-4 of a float64 reference (HF float32 itself is up to 1.4e-4 off there)', () => {
      // encoder_hidden_states_utt1 (values up to ~89) and decoder layer-0 outputs (up to ~55):
      // PyTorch's float32 numbers are 1.06e-4 and 1.42e-4 from the float64 truth (computed below),
      // so no float32 port can be within 1e-4 of them; we hold ours to 1e-4 of the truth instead
      // and to 1e-4 + HF's own error of HF's numbers.
      const r64 = new Reference64(tinyRandomDir);
      const encRef = readBin('forward/encoder_hidden_states_utt1').data;
      const decRef = readBin('forward/decoder_hidden_states').data;
      const per = 1500 * 32;
      for (let u = 0; u < 3; u++) {
        const e64 = r64.encoder(readBin(`features/${UTTS[u]}.input_features`).data);
        if (u === 0) {
          for (const s of [0, 1]) {
            const ours = rows(fwd.enc[s], 0, 1, per);
            const err64 = maxAbsDiff(ours, e64[s]);
            const hfErr64 = maxAbsDiff(encRef.subarray(s * per, (s + 1) * per), e64[s]);
            const errHf = maxAbsDiff(ours, encRef.subarray(s * per, (s + 1) * per));
            assert.ok(err64 <= TOL_ACT, `encoder state ${s}: ours vs float64 ${err64}`);
            assert.ok(errHf <= TOL_ACT + hfErr64, `encoder state ${s}: ours vs HF ${errHf}, HF vs float64 ${hfErr64}`);
          }
        }
        const d64 = r64.decoder(decoderInputIds[u], e64[e64.length - 1]);
        const dper = 25 * 32;
        const ours = rows(fwd.dec[1], u, 1, dper);
        const hf = decRef.subarray((u * 3 + 1) * dper, (u * 3 + 2) * dper);
        const err64 = maxAbsDiff(ours, d64[1]);
        const hfErr64 = maxAbsDiff(hf, d64[1]);
        assert.ok(err64 <= TOL_ACT, `decoder layer 0 output, ${UTTS[u]}: ours vs float64 ${err64}`);
        assert.ok(maxAbsDiff(ours, hf) <= TOL_ACT + hfErr64, `decoder layer 0 output, ${UTTS[u]}: ours vs HF ${maxAbsDiff(ours, hf)}, HF vs float64 ${hfErr64}`);
      }
    });

    it('loss within 1e-5 relative, every gradient norm within 1e-3 relative, full gradients', () => {
      const refLoss = readJson<{ loss: number }>('forward/loss.json').loss;
      const { value, grads } = tf.variableGrads(() => model.loss(feats, labels), model.trainableVariables());
      const loss = value.dataSync()[0];
      assert.ok(Math.abs(loss - refLoss) / refLoss <= TOL_LOSS, `loss ${loss} vs ${refLoss}`);
      const byHf = new Map(Object.entries(grads).map(([k, g]) => [model.hfName(k), g]));
      const norms = readJson<{ params: { name: string; grad_l2_norm: number | null }[]; total_grad_l2_norm_float64: number }>('grads/grad_norms.json');
      let total = 0;
      for (const p of norms.params) {
        const g = byHf.get(p.name);
        if (p.grad_l2_norm === null) {
          assert.equal(g, undefined, `${p.name} is frozen in HF and must get no gradient`);
          continue;
        }
        assert.ok(g, `no gradient for ${p.name}`);
        const n = l2(g.dataSync());
        total += n * n;
        assert.ok(Math.abs(n - p.grad_l2_norm) / p.grad_l2_norm <= TOL_GRAD, `${p.name}: grad norm ${n} vs ${p.grad_l2_norm}`);
      }
      const totalNorm = Math.sqrt(total);
      assert.ok(Math.abs(totalNorm - norms.total_grad_l2_norm_float64) / norms.total_grad_l2_norm_float64 <= TOL_GRAD);
      // Full gradients given by the fixture (HF layout).
      const full = ['model.decoder.layer_norm.weight', 'model.decoder.layer_norm.bias', 'model.decoder.layers.0.self_attn.q_proj.bias', 'model.decoder.layers.1.encoder_attn.k_proj.weight', 'model.encoder.layers.1.fc2.bias', 'model.encoder.conv1.bias', 'model.encoder.layer_norm.weight'];
      const relL2 = (ours: ArrayLike<number>, ref: ArrayLike<number>) => {
        let d = 0;
        for (let i = 0; i < ref.length; i++) d += (ours[i] - ref[i]) ** 2;
        return Math.sqrt(d) / l2(ref);
      };
      for (const name of full) {
        const ref = readBin(`grads/${name}`);
        const ours = tf.tidy(() => hfLayout(name, byHf.get(name)!));
        assert.deepEqual(ours.shape, ref.shape, name);
        const e = relL2(ours.dataSync(), ref.data);
        ours.dispose();
        assert.ok(e <= TOL_GRAD, `${name}: relative L2 error ${e}`);
      }
      const rowsOf = (name: string, ids: number[]) => {
        const g = byHf.get(name)!;
        return tf.tidy(() => tf.gather(g, tf.tensor1d(ids, 'int32')).dataSync());
      };
      const emb = readBin('grads/model.decoder.embed_tokens.weight.rows');
      const embRows = readJson<{ rows: number[] }>('grads/model.decoder.embed_tokens.weight.rows.json').rows;
      assert.ok(relL2(rowsOf('model.decoder.embed_tokens.weight', embRows), emb.data) <= TOL_GRAD, 'tied embedding gradient rows');
      const pos = readBin('grads/model.decoder.embed_positions.weight.rows');
      assert.ok(relL2(rowsOf('model.decoder.embed_positions.weight', [...Array(25).keys()]), pos.data) <= TOL_GRAD, 'decoder position gradient rows');
      tf.dispose([value, ...Object.values(grads)]);
    });

    it('3 AdamW steps with clipping match HF parameter values within 1e-5; tensor count stays flat', async () => {
      const adam = readJson<{ steps: { loss_before_step: number; total_grad_norm_before_clipping: number }[]; loss_after_step3: number; tracked_parameters: string[] }>('train_step/adamw.json');
      const m = await loadWhisper(tinyRandomDir); // a fresh copy: the steps change the weights
      const opt = new AdamW(m.trainableVariables(), { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
      const counts: number[] = [];
      try {
        for (let step = 1; step <= 3; step++) {
          const { value, grads } = tf.variableGrads(() => m.loss(feats, labels), m.trainableVariables());
          const loss = value.dataSync()[0];
          const ref = adam.steps[step - 1];
          assert.ok(Math.abs(loss - ref.loss_before_step) / ref.loss_before_step <= TOL_LOSS, `step ${step} loss ${loss} vs ${ref.loss_before_step}`);
          const clipped = clipByGlobalNorm(grads, 1.0);
          assert.ok(Math.abs(clipped.totalNorm - ref.total_grad_norm_before_clipping) / ref.total_grad_norm_before_clipping <= TOL_GRAD, `step ${step} norm ${clipped.totalNorm}`);
          opt.applyGradients(clipped.grads);
          tf.dispose([value, ...Object.values(grads), ...Object.values(clipped.grads)]);
          counts.push(tf.memory().numTensors);
          for (const name of adam.tracked_parameters) {
            const want = readBin(`train_step/step${step}.${name}`).data;
            const got = m.params.get(name)!.dataSync();
            const err = maxAbsDiff(got, want);
            assert.ok(err <= TOL_PARAM, `step ${step} ${name}: max abs err ${err}`);
          }
        }
        // Step 1 creates the optimizer's moment slots; after that nothing may accumulate.
        assert.equal(counts[2], counts[1], `tensor count grew across steps: ${counts.join(' -> ')}`);
        const after3 = tf.tidy(() => m.loss(feats, labels));
        assert.ok(Math.abs(after3.dataSync()[0] - adam.loss_after_step3) / adam.loss_after_step3 <= TOL_LOSS);
        after3.dispose();
      } finally {
        opt.dispose();
        m.dispose();
      }
    });

    it('greedy decoding (batched, KV cache) gives the reference ids, with and without suppress tokens', async () => {
      const greedy = readJson<{ prefix: number[]; max_new_tokens: number; items: { id: string; plain_greedy: { ids: number[] }; whisper_generate: { ids: number[] } }[] }>('generate/greedy.json');
      const base = { prefix: greedy.prefix, maxNewTokens: greedy.max_new_tokens, eosTokenId: 50257 };
      const plain = await generateGreedy(model, feats, base);
      const gen = model.generationConfig;
      const whisper = await generateGreedy(model, feats, { ...base, suppressTokens: gen.suppress_tokens, beginSuppressTokens: gen.begin_suppress_tokens });
      greedy.items.forEach((item, i) => {
        assert.deepEqual(plain[i], item.plain_greedy.ids, `${item.id} plain greedy`);
        assert.deepEqual(whisper[i], item.whisper_generate.ids, `${item.id} whisper generate`);
      });
      if (opts.fullGenerate) {
        // Without the cache (full recompute each step) and one utterance at a time: same ids.
        const one = featuresBatch(['utt2']);
        const noCache = await generateGreedy(model, one, { ...base, useCache: false });
        one.dispose();
        assert.deepEqual(noCache[0], greedy.items[1].plain_greedy.ids);
      }
    });
  });
}
