/**
 * Run-time choice of the tfjs backend. `auto` tries, in order: tfjs-node-gpu, tfjs-node (the
 * "tensorflow" backend; optional dependencies that often cannot install), WebGPU through the `webgpu`
 * package (Dawn) when a GPU adapter exists, wasm, cpu. The result says which backend runs, why, and
 * why each better one was skipped, so the CLI can tell the user. Missing optional packages never crash.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import { registerWasmFallbackKernels } from './wasm-kernels.ts';

export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendSelection {
  /** The tfjs backend name now active ('tensorflow', 'webgpu', 'wasm', 'cpu'). */
  name: string;
  /** Why this one (one line for the user). */
  reason: string;
  /** Backends tried before it and why each was not used. */
  fallbacks: { name: string; why: string }[];
}

type Attempt = { ok: true; reason: string } | { ok: false; why: string };

const errText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));

async function tryTensorflow(): Promise<Attempt> {
  const tried: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) return { ok: true, reason: `${pkg} is installed (native TensorFlow)` };
      tried.push(`${pkg} loaded but the backend did not initialise`);
    } catch (e) {
      tried.push(`${pkg}: ${(e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' ? 'not installed (optional dependency)' : errText(e)}`);
    }
  }
  return { ok: false, why: tried.join('; ') };
}

/** Vulkan driver manifests (ICDs) Dawn can load on Linux; without one the probe only prints noise. */
function vulkanDriversPresent(): boolean {
  if (process.platform !== 'linux') return true;
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return dirs.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

async function tryWebgpu(): Promise<Attempt> {
  if (!vulkanDriversPresent()) return { ok: false, why: 'no Vulkan driver (ICD) installed, so no WebGPU adapter' };
  try {
    const webgpu = (await import('webgpu')) as unknown as { create: (o: string[]) => { requestAdapter(): Promise<unknown> }; globals: object };
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ok: false, why: 'the webgpu package found no GPU adapter (no Vulkan-capable GPU/driver)' };
    (globalThis as { navigator?: unknown }).navigator = { gpu };
    await import('@tensorflow/tfjs-backend-webgpu');
    if (await tf.setBackend('webgpu')) return { ok: true, reason: 'a WebGPU adapter was found (Dawn via the webgpu package)' };
    return { ok: false, why: 'tfjs-backend-webgpu did not initialise' };
  } catch (e) {
    return { ok: false, why: `webgpu: ${errText(e)}` };
  }
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'the wasm backend did not initialise' };
    registerWasmFallbackKernels();
    return { ok: true, reason: 'WebAssembly (XNNPACK) is the fastest backend available on this CPU' };
  } catch (e) {
    return { ok: false, why: `wasm: ${errText(e)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  return (await tf.setBackend('cpu')) ? { ok: true, reason: 'pure-JavaScript cpu backend (slow, always available)' } : { ok: false, why: 'cpu backend did not initialise' };
}

const ATTEMPTS: Record<Exclude<BackendChoice, 'auto'>, () => Promise<Attempt>> = {
  tensorflow: tryTensorflow,
  webgpu: tryWebgpu,
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Activates a backend. An explicit choice that cannot run is a UserError naming the reason;
 * `auto` falls through the list and records why each better option was skipped.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendSelection> {
  if (choice !== 'auto') {
    const run = ATTEMPTS[choice];
    if (!run) throw new UserError(`unknown backend "${String(choice)}"; choose one of: ${BACKEND_CHOICES.join(', ')}`);
    const r = await run();
    if (!r.ok) throw new UserError(`backend "${choice}" cannot run here: ${r.why}. Use --backend auto to pick what works.`);
    await tf.ready();
    return { name: tf.getBackend(), reason: `requested; ${r.reason}`, fallbacks: [] };
  }
  const fallbacks: BackendSelection['fallbacks'] = [];
  for (const name of ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
    const r = await ATTEMPTS[name]();
    if (r.ok) {
      await tf.ready();
      return { name: tf.getBackend(), reason: r.reason, fallbacks };
    }
    fallbacks.push({ name, why: r.why });
  }
  throw new UserError(`no tfjs backend could start: ${fallbacks.map((f) => `${f.name}: ${f.why}`).join('; ')}`);
}

/** One line for logs: "wasm (WebAssembly ...); skipped tensorflow: not installed, ...". */
export function describeBackend(sel: BackendSelection): string {
  const skipped = sel.fallbacks.length ? `; skipped ${sel.fallbacks.map((f) => `${f.name} (${f.why})`).join(', ')}` : '';
  return `${sel.name}: ${sel.reason}${skipped}`;
}

