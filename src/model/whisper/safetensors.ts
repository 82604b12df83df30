/**
 * safetensors reader/writer (https://github.com/huggingface/safetensors, the file format):
 * u64 little-endian header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}` (padded with spaces to a
 * multiple of 8), then the raw little-endian tensor bytes. Offsets are relative to the data start.
 *
 * Reading decodes F32, F16, BF16 (and F64) into Float32Array. Files are read tensor by tensor with
 * `readSync`, so multi-GB checkpoints (whisper-large) never need one giant Buffer.
 */
import { openSync, readSync, closeSync, fstatSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES_PER: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** Reads the JSON header of a safetensors file (the tensor table and `__metadata__`). */
export function readSafetensorsHeader(path: string): { header: Record<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const lenBuf = Buffer.alloc(8);
    if (readSync(fd, lenBuf, 0, 8, 0) !== 8) throw new UserError(`${path}: not a safetensors file (shorter than 8 bytes)`);
    const n = Number(lenBuf.readBigUInt64LE(0));
    if (n <= 0 || 8 + n > size) throw new UserError(`${path}: not a safetensors file (header length ${n} does not fit a ${size}-byte file)`);
    const hbuf = Buffer.alloc(n);
    readSync(fd, hbuf, 0, n, 8);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(hbuf.toString('utf8'));
    } catch (e) {
      throw new UserError(`${path}: safetensors header is not valid JSON (${(e as Error).message})`);
    }
    const metadata = (parsed.__metadata__ ?? {}) as Record<string, string>;
    delete parsed.__metadata__;
    return { header: parsed as Record<string, HeaderEntry>, metadata, dataStart: 8 + n };
  } finally {
    closeSync(fd);
  }
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decode(dtype: string, bytes: Buffer, count: number, where: string): Float32Array {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      // Byte copy into an aligned array (the host is little-endian, checked at the bottom).
      new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4));
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(i * 8);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = f16ToF32(bytes.readUInt16LE(i * 2));
      return out;
    case 'BF16': {
      // bf16 is the top half of an f32: shift into place and reinterpret.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = bytes.readUInt16LE(i * 2) << 16;
      return out;
    }
    default:
      throw new UserError(`${where}: dtype ${dtype} is not supported (F32, F16, BF16, F64 are)`);
  }
}

/** Reads every tensor (or only `names`) of one safetensors file as float32. */
export function readSafetensors(path: string, names?: Set<string>): Map<string, NamedTensor> {
  const { header, dataStart } = readSafetensorsHeader(path);
  const out = new Map<string, NamedTensor>();
  const fd = openSync(path, 'r');
  try {
    for (const [name, entry] of Object.entries(header)) {
      if (names && !names.has(name)) continue;
      const [begin, end] = entry.data_offsets;
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const per = BYTES_PER[entry.dtype];
      if (per === undefined) throw new UserError(`${path}: tensor ${name} has dtype ${entry.dtype}; supported: F32, F16, BF16, F64`);
      if (end - begin !== count * per) throw new UserError(`${path}: tensor ${name} spans ${end - begin} bytes but shape ${JSON.stringify(entry.shape)} ${entry.dtype} needs ${count * per}`);
      const buf = Buffer.alloc(end - begin);
      readSync(fd, buf, 0, end - begin, dataStart + begin);
      out.set(name, { shape: entry.shape, data: decode(entry.dtype, buf, count, `${path}: ${name}`) });
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * Reads the weights of a Hugging Face folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json` (`weight_map: {tensor name: shard file}`).
 */
export function readSafetensorsFolder(dir: string): Map<string, NamedTensor> {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return readSafetensors(single);
  const index = join(dir, 'model.safetensors.index.json');
  if (!existsSync(index)) throw new UserError(`${dir}: no model.safetensors or model.safetensors.index.json`);
  const weightMap = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map;
  if (!weightMap) throw new UserError(`${index}: has no "weight_map"`);
  const out = new Map<string, NamedTensor>();
  for (const shard of new Set(Object.values(weightMap))) {
    for (const [k, v] of readSafetensors(join(dir, shard))) out.set(k, v);
  }
  return out;
}

/**
 * Serialises float32 tensors as one safetensors file (bytes). Tensors are laid out in the given order,
 * contiguously; `__metadata__` is written first (HF's `from_pretrained` requires `{format: "pt"}`).
 */
export function encodeSafetensors(tensors: Map<string, NamedTensor>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: ${name} has ${t.data.length} values for shape ${JSON.stringify(t.shape)}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const hbytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + hbytes.length + offset);
  out.writeBigUInt64LE(BigInt(hbytes.length), 0);
  hbytes.copy(out, 8);
  let pos = 8 + hbytes.length;
  for (const t of tensors.values()) {
    // Copy via a byte view: the host is little-endian (checked below), like the format.
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('safetensors.ts assumes a little-endian host');
