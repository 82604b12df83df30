/**
 * Whisper in TensorFlow.js: the public API.
 *
 *   loadWhisper(dir, {backend?}) -> WhisperModel        HF folder: config.json + model.safetensors (or sharded)
 *   initWhisper(preset, overrides, seed, {tokenizerDir?}) random model, HF init (tiny ... large-v3)
 *   saveWhisper(model, dir, {copyFilesFrom?})           HF folder, atomic; from_pretrained loads it
 *   model.forward(features [B, mels, T], ids [B, L]) -> logits [B, L, vocab]
 *   model.loss(features, labels with -100) -> scalar    HF's mean CE (decoder ids = shifted labels)
 *   model.params: Map<HF name, tf.Variable>             (Linear/Conv weights stored transposed: see model.ts)
 *   model.trainableVariables(), model.hfName(variable.name), model.gradientCheckpointing
 *   generateGreedy(model, features, {prefix, suppressTokens, beginSuppressTokens, maxNewTokens, maxLength,
 *                  eosTokenId, useCache}) -> Promise<number[][]>
 *   whisperPrefix(model, language, task), detectLanguage(model, features)
 *   setAccurateSums(on): wasm only, PyTorch-accurate chunked sums (default) vs faster plain sums
 */
export { loadWhisper, initWhisper, saveWhisper, stateDict, sinusoids, SIDE_FILES } from './io.ts';
export { WhisperModel, parameterShapes, hfLayout, fromHfLayout, FROZEN_PARAMETERS, shiftTokensRight, crossEntropy } from './model.ts';
export { generateGreedy, whisperPrefix, detectLanguage, type GreedyOptions } from './generate.ts';
export { setAccurateSums } from './ops.ts';
export { WHISPER_PRESETS, presetConfig, readConfig, readGenerationConfig, type WhisperConfig, type GenerationConfig } from './config.ts';
export { readSafetensors, readSafetensorsFolder, readSafetensorsHeader, encodeSafetensors, type NamedTensor } from './safetensors.ts';
