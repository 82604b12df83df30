// Parity with Hugging Face on the pure-JS cpu backend (the reference backend; slow, minutes).
import { paritySuite } from './parity-suite.ts';

paritySuite('cpu', { fullGenerate: false, accurateSums: true });
