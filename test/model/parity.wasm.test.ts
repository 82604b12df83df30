// Parity with Hugging Face on the wasm backend with accurate (chunked) sums: every tolerance,
// including the unnormalised hidden states, and cache-free decoding.
import { paritySuite } from './parity-suite.ts';

paritySuite('wasm', { fullGenerate: true, accurateSums: true });
