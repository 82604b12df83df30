/**
 * Data sources -> rows. One reader per `format` of the spec's `data.sources.<name>`:
 *
 * - `dvoice`: `<root>/texts/<split>.csv`, TAB-separated, header `wav words duration` (extra
 *   columns ignored), audio in `<root>/wavs/<wav>`. Fields are split on TAB only, without quote
 *   handling, as SpeechBrain's DVoice recipe does (`line.split("\t")`).
 * - `csv` / `tsv`: a header row, `audio_column` / `text_column` (defaults `audio` / `text`),
 *   `separator` (default `,` or TAB), RFC 4180 quoting; an optional `duration` column is read.
 * - `jsonl`: one `{"audio": path, "text": ..., "duration"?: seconds}` object per line.
 *
 * Relative audio paths are resolved against `audio_dir` (default: the manifest's folder).
 * A row whose field count differs from the header's, or a jsonl line that is not an object
 * with `audio`, is returned in `bad` with its file and line (skip reason `bad_row`).
 * Line numbers are 1-based and count the header as line 1.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../util/errors.ts';
import type { Source } from '../config/spec.generated.ts';

/** One source as written in the spec (paths already resolved to absolute by the config loader). */
export type SourceSpec = Source;

/** One usable-looking row: still to be checked by the cleaner (audio exists, text not empty, ...). */
export interface SourceRow {
  /** Source name in the spec (`data.sources.<name>`). */
  source: string;
  /** The manifest file the row came from. */
  file: string;
  /** 1-based line of the row in `file` (the header is line 1). */
  line: number;
  /** Absolute audio path. */
  audioPath: string;
  /** Transcript exactly as written (not normalised). */
  text: string;
  /** Duration the manifest claims, in seconds (informative only; never trusted for filtering). */
  declaredDuration?: number;
}

/** A row that could not be read as a row at all. */
export interface BadRow {
  source: string;
  file: string;
  line: number;
  message: string;
}

export interface SourceRead {
  source: string;
  file: string;
  rows: SourceRow[];
  bad: BadRow[];
}

/** Read one source. Throws UserError when the manifest itself is missing or unusable. */
export async function readSource(name: string, spec: SourceSpec): Promise<SourceRead> {
  switch (spec.format) {
    case 'dvoice':
      return readDvoice(name, spec);
    case 'csv':
    case 'tsv':
      return readTable(name, spec);
    case 'jsonl':
      return readJsonl(name, spec);
    default:
      throw new UserError(`data.sources.${name}: unknown format "${(spec as { format: string }).format}" (use dvoice, csv, tsv or jsonl)`);
  }
}

async function readManifest(name: string, file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : (err as Error).message;
    throw new UserError(`data.sources.${name}: ${what} ${file}: ${why}. Check the path in the spec (paths are relative to the spec file).`);
  }
}

interface ParsedTable {
  header: string[];
  records: { fields: string[]; line: number }[];
}

/** Split a delimited text into a header and records with their line numbers. */
function parseTable(name: string, file: string, content: string, delimiter: string, quoted: boolean): ParsedTable {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(content, {
      delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      quote: quoted ? '"' : false,
      // A CRLF file otherwise leaves '\r' at the end of the last field.
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new UserError(`${file}${e.lines ? `:${e.lines}` : ''}: cannot parse data.sources.${name}: ${e.message}`);
  }
  if (parsed.length === 0) throw new UserError(`${file}: data.sources.${name} has no header row (expected column names on line 1)`);
  const [head, ...rest] = parsed;
  return {
    header: head.record.map((h) => h.trim()),
    records: rest.map(({ record, info }) => ({ fields: record, line: info.lines })),
  };
}

function columnIndex(name: string, file: string, header: string[], column: string, option: string): number {
  const index = header.indexOf(column);
  if (index < 0) {
    throw new UserError(
      `${file}:1: data.sources.${name}: no column "${column}" in the header (columns: ${header.map((h) => JSON.stringify(h)).join(', ')}). Set ${option} to one of them.`,
    );
  }
  return index;
}

function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function tableRows(
  name: string,
  file: string,
  table: ParsedTable,
  columns: { audio: number; text: number; duration: number },
  audioDir: string,
  limit: number | undefined,
): SourceRead {
  const rows: SourceRow[] = [];
  const bad: BadRow[] = [];
  for (const { fields, line } of table.records) {
    if (limit !== undefined && rows.length + bad.length >= limit) break;
    if (fields.length !== table.header.length) {
      bad.push({
        source: name,
        file,
        line,
        message: `expected ${table.header.length} fields (${table.header.join(', ')}) but found ${fields.length}`,
      });
      continue;
    }
    const audio = fields[columns.audio].trim();
    if (audio === '') {
      bad.push({ source: name, file, line, message: 'the audio field is empty' });
      continue;
    }
    rows.push({
      source: name,
      file,
      line,
      audioPath: isAbsolute(audio) ? audio : resolve(audioDir, audio),
      text: fields[columns.text],
      declaredDuration: columns.duration >= 0 ? parseDuration(fields[columns.duration]) : undefined,
    });
  }
  return { source: name, file, rows, bad };
}

async function readDvoice(name: string, spec: SourceSpec): Promise<SourceRead> {
  if (!spec.root || !spec.split) throw new UserError(`data.sources.${name}: format dvoice needs root and split`);
  const file = join(spec.root, 'texts', `${spec.split}.csv`);
  const content = await readManifest(name, file, 'DVoice transcript file');
  const table = parseTable(name, file, content, '\t', false);
  const columns = {
    audio: columnIndex(name, file, table.header, 'wav', 'the DVoice header (wav, words, duration)'),
    text: columnIndex(name, file, table.header, 'words', 'the DVoice header (wav, words, duration)'),
    duration: table.header.indexOf('duration'),
  };
  return tableRows(name, file, table, columns, join(spec.root, 'wavs'), spec.limit);
}

async function readTable(name: string, spec: SourceSpec): Promise<SourceRead> {
  if (!spec.path) throw new UserError(`data.sources.${name}: format ${spec.format} needs path`);
  const file = spec.path;
  const content = await readManifest(name, file, `${spec.format} manifest`);
  const table = parseTable(name, file, content, spec.separator ?? (spec.format === 'tsv' ? '\t' : ','), true);
  const columns = {
    audio: columnIndex(name, file, table.header, spec.audio_column ?? 'audio', `data.sources.${name}.audio_column`),
    text: columnIndex(name, file, table.header, spec.text_column ?? 'text', `data.sources.${name}.text_column`),
    duration: table.header.indexOf('duration'),
  };
  return tableRows(name, file, table, columns, spec.audio_dir ?? dirname(file), spec.limit);
}

async function readJsonl(name: string, spec: SourceSpec): Promise<SourceRead> {
  if (!spec.path) throw new UserError(`data.sources.${name}: format jsonl needs path`);
  const file = spec.path;
  const content = await readManifest(name, file, 'jsonl manifest');
  const audioDir = spec.audio_dir ?? dirname(file);
  const rows: SourceRow[] = [];
  const bad: BadRow[] = [];
  const lines = content.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (spec.limit !== undefined && rows.length + bad.length >= spec.limit) break;
    const raw = lines[i].trim();
    if (raw === '') continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      bad.push({ source: name, file, line, message: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      bad.push({ source: name, file, line, message: 'expected a JSON object like {"audio": "a.wav", "text": "..."}' });
      continue;
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj.audio !== 'string' || obj.audio.trim() === '') {
      bad.push({ source: name, file, line, message: 'missing "audio" (a path string)' });
      continue;
    }
    // A number or null transcript is not a crash: numbers become text, null/absent becomes empty.
    const text = typeof obj.text === 'string' ? obj.text : typeof obj.text === 'number' ? String(obj.text) : '';
    const audio = obj.audio.trim();
    rows.push({
      source: name,
      file,
      line,
      audioPath: isAbsolute(audio) ? audio : resolve(audioDir, audio),
      text,
      declaredDuration: typeof obj.duration === 'number' && Number.isFinite(obj.duration) ? obj.duration : undefined,
    });
  }
  return { source: name, file, rows, bad };
}
