// Child process used by runMainMany(): reads a JSON list of argv arrays on stdin, runs main() on each
// with stdout/stderr captured, and prints [{code, stdout, stderr}, ...] as JSON.
import { main } from '../../src/cli/main.ts';

const input = await new Promise<string>((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk: Buffer) => (text += chunk.toString()));
  process.stdin.on('end', () => resolve(text));
});
const realStdout = process.stdout.write.bind(process.stdout);
const results: { code: number; stdout: string; stderr: string }[] = [];
for (const argv of JSON.parse(input) as string[][]) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  const code = await main(argv);
  results.push({ code, stdout, stderr });
}
process.stdout.write = realStdout;
process.stdout.write(JSON.stringify(results));
