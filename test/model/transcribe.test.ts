// `exp transcribe` end to end: the real CLI (bin/exp.mjs) on the fixture model.
// The reference greedy ids come from the reference features, which were computed from
// audio/uttN.16000.bin; writing that waveform to a 16 kHz float WAV means no resampler runs,
// so the ids must match exactly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, readBin, readJson, repoRoot, tinyRandomDir, UTTS } from './fixtures.ts';

/** Mono 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT). */
function floatWav(samples: Float32Array, rate: number): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20); // IEEE float
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function exp(args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'exp.mjs'), ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('exp transcribe', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'exp-transcribe-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reproduces the reference greedy ids from 16 kHz audio, batched, and prints ids for the 22.05 kHz WAV', () => {
    const wavs = UTTS.map((u) => {
      const path = join(tmp, `${u}.16k.wav`);
      writeFileSync(path, floatWav(readBin(`audio/${u}.16000`).data, 16000));
      return path;
    });
    const resampled = join(fixturesDir, 'audio', 'utt1.22050.wav');
    const r = exp(['transcribe', '--model', tinyRandomDir, ...wavs, resampled, '--language', 'ar', '--max-new-tokens', '20', '--batch-size', '2', '--backend', 'wasm', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { file: string; ids: number[]; text: string; language: string }[];
    const greedy = readJson<{ items: { whisper_generate: { ids: number[] } }[] }>('generate/greedy.json');
    assert.equal(out.length, 4);
    UTTS.forEach((u, i) => {
      assert.equal(out[i].file, wavs[i]);
      assert.deepEqual(out[i].ids, greedy.items[i].whisper_generate.ids, `${u} ids`);
      assert.equal(out[i].language, 'ar');
      assert.equal(typeof out[i].text, 'string');
    });
    // The resampled file: prefix forced, then generated ids (resamplers differ, so no exact reference).
    assert.deepEqual(out[3].ids.slice(0, 4), [50258, 50272, 50359, 50363]);
    assert.ok(out[3].ids.length > 4 && out[3].ids.length <= 24);
  });

  it('human output names the backend and prints ids; the language is detected when not given; a missing model folder is a clear error', () => {
    const r = exp(['transcribe', '--model', tinyRandomDir, join(fixturesDir, 'audio', 'utt1.22050.wav'), '--max-new-tokens', '3', '--backend', 'wasm']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend wasm/);
    const m = /language: ([a-z]{2,3}) {2}ids: 50258 (\d+) 50359 50363( \d+){1,3}\n/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const langToId = readJson<{ lang_to_id: Record<string, number> }>('tiny-random/generation_config.json').lang_to_id;
    assert.equal(langToId[`<|${m[1]}|>`], Number(m[2]), 'the detected language token matches the printed language');
    const bad = exp(['transcribe', '--model', join(tmp, 'nope'), join(fixturesDir, 'audio', 'utt1.22050.wav')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /does not exist/);
    assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
});
