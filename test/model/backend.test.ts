// Backend selection: auto falls through to what works and says why; explicit choices that cannot
// run are user errors; probing WebGPU does not keep the process alive.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, describeBackend } from '../../src/engine/backend.ts';
import { UserError } from '../../src/util/errors.ts';
import { repoRoot } from './fixtures.ts';

const hasPackage = async (name: string) => import(name).then(() => true, () => false);

describe('backend selection', () => {
  it('auto picks the best available backend and explains the skipped ones', async () => {
    const sel = await selectBackend('auto');
    assert.equal(tf.getBackend(), sel.name);
    assert.ok(sel.reason.length > 0);
    const tensorflow = await hasPackage('@tensorflow/tfjs-node');
    if (!tensorflow && !(await hasPackage('@tensorflow/tfjs-node-gpu'))) {
      const skipped = sel.fallbacks.find((f) => f.name === 'tensorflow');
      assert.ok(skipped, 'tensorflow listed as skipped');
      assert.match(skipped.why, /not installed/);
      assert.notEqual(sel.name, 'tensorflow');
    }
    assert.match(describeBackend(sel), new RegExp(`^${sel.name}: `));
  });

  it('wasm gets the fallback UnsortedSegmentSum kernel (embedding gradient)', async () => {
    await selectBackend('wasm');
    const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
    const g = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(table, tf.tensor1d([2, 0, 2], 'int32')), tf.tensor2d([[1, 10], [100, 1000], [2, 20]]))), [table]);
    assert.deepEqual(Array.from(g.grads[table.name].dataSync()), [100, 1000, 0, 0, 3, 30]);
    tf.dispose([table, g.value, ...Object.values(g.grads)]);
  });

  it('an explicit backend that cannot run is a user error naming the reason', async () => {
    if (await hasPackage('@tensorflow/tfjs-node')) return;
    await assert.rejects(selectBackend('tensorflow'), (e: unknown) => e instanceof UserError && /tensorflow.*not installed.*--backend auto/s.test(e.message));
    await assert.rejects(selectBackend('nope' as never), (e: unknown) => e instanceof UserError && /unknown backend/.test(e.message));
  });

  it('the process exits after auto selection (a WebGPU probe holds nothing open)', () => {
    const code = `import { selectBackend } from ${JSON.stringify(join(repoRoot, 'src/engine/backend.ts'))}; const s = await selectBackend('auto'); console.log('BACKEND=' + s.name);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000, cwd: repoRoot });
    assert.equal(r.signal, null, 'process had to be killed: something kept it alive');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /BACKEND=\w+/);
  });
});
