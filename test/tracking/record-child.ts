// Child process for the run-record tests. Modes:
//   flip <file> <bytes>          writeFileAtomic the file with all-'a' then all-'b' content, forever
//   metrics <runDir> <n> <tag>   append n metric lines through RunRecord.logMetric
import { writeFileAtomic } from '../../src/util/fs-atomic.ts';
import { RunRecord } from '../../src/tracking/record.ts';

const [mode, target, count, tag] = process.argv.slice(2);
if (mode === 'flip') {
  const size = Number(count);
  const contents = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) writeFileAtomic(target, contents[i % 2]);
} else if (mode === 'metrics') {
  const record = RunRecord.open(target);
  for (let i = 0; i < Number(count); i++) record.logMetric(i, `${tag}_loss_with_a_long_key_to_make_lines_bigger`, i / 7);
}
