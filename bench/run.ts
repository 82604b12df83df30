// `npm run bench`: runs every bench/*.bench.ts in name order, each in turn (not in parallel, so
// timings do not disturb each other). `npm run bench -- data` runs only the files whose name contains "data".
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Flags (`--quick`) are for the benchmarks themselves, not file filters.
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
for (const file of files) {
  console.log(`\n== ${file}`);
  await import(pathToFileURL(join(here, file)).href);
}
