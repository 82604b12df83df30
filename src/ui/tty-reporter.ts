// Interactive terminals: a listr2 task tree per run (resolve -> prepare -> load -> train -> evaluate
// -> save -> track) with live progress under the running stage. listr2 runs tasks, it does not
// listen to events, so each stage is a task that waits for the events that settle it.
import { DefaultRenderer, Listr, ListrLogger, PRESET_TIMER, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import { formatError, formatOutcome, formatProgress, formatSummaryTable, formatValues, progressBar, runLabel, STAGE_TITLES } from './format.ts';
import { ProgressClock } from './progress-clock.ts';
import { STAGES, type ProgressReporter, type ProgressUpdate, type RunInfo, type RunOutcome, type StageName, type StageStatus, type SummaryRow } from './reporter.ts';

export interface TtyReporterOptions {
  /** A terminal (or anything with isTTY/columns, e.g. a test double). */
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  debug?: boolean;
}

// listr2 only draws its tree when process.stdout is a TTY; the choice is made in create-reporter.ts
// for the stream we were given, so this renderer does not second-guess it.
class StreamRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

// The stage tasks use neither a context nor renderer-specific options.
type StageTask = ListrTaskWrapper<any, any, any>;

class StageFailed extends Error {}

interface Slot {
  state: 'pending' | 'running' | 'done' | 'fail' | 'skip';
  detail?: string;
  /** The latest progress text, kept for when listr gets to the task (it starts drawing late). */
  output?: string;
  task?: StageTask;
  settle: () => void;
  settled: Promise<void>;
}

function newSlot(): Slot {
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  return { state: 'pending', settle, settled };
}

/** One run's listr tree. */
class RunTree {
  readonly slots = new Map<StageName, Slot>(STAGES.map((s) => [s, newSlot()]));
  readonly warnings: string[] = [];
  private runTask?: StageTask;
  private pendingRunTitle?: string;
  private readonly listr: Listr<unknown, typeof StreamRenderer>;
  private markDrawn!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.markDrawn = resolve));

  constructor(readonly run: RunInfo, out: NodeJS.WriteStream, err: NodeJS.WriteStream) {
    const logger = new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(out, err, { leaveEmptyLine: false }) });
    this.listr = new Listr(
      [{
        title: this.title(),
        task: (_ctx, task) => {
          this.runTask = task;
          if (this.pendingRunTitle) task.title = this.pendingRunTitle;
          return task.newListr(STAGES.map((name) => ({ title: STAGE_TITLES[name], task: (_c: unknown, t: StageTask) => this.stageTask(name, t) })), {
            concurrent: false,
            exitOnError: true,
          });
        },
      }],
      {
        renderer: StreamRenderer,
        rendererOptions: { logger, collapseSubtasks: false, collapseSkips: true, showSkipMessage: true, suffixSkips: false, collapseErrors: false, showErrorMessage: true, timer: PRESET_TIMER, formatOutput: 'wrap' },
        exitOnError: true,
        registerSignalListeners: false,
        collectErrors: false,
      },
    );
  }

  /** Starts drawing. Events that came before are not lost: the stage tasks read their slots. */
  start(): void {
    // A failure was already reported through the tree; the promise only tells us it is drawn.
    this.listr.run().then(this.markDrawn, this.markDrawn);
  }

  title(outcome?: RunOutcome): string {
    const head = `${runLabel(this.run)} (${this.run.id})`;
    if (!outcome) return head;
    // No duration here: listr's timer already prints how long the run took.
    return [head, outcome.status, ...formatValues(outcome.metrics)].join(' · ');
  }

  private async stageTask(name: StageName, task: StageTask): Promise<void> {
    const slot = this.slots.get(name)!;
    slot.task = task;
    const early = slot.output ?? (slot.state === 'running' ? slot.detail : undefined);
    if (early) task.output = early;
    await slot.settled;
    const title = STAGE_TITLES[name];
    if (slot.state === 'skip') task.skip(slot.detail ? `${title}: ${slot.detail}` : title);
    else if (slot.state === 'fail') throw new StageFailed(slot.detail ?? `${title} failed`);
    else if (slot.detail) task.title = `${title} · ${slot.detail}`;
  }

  stage(name: StageName, status: StageStatus, detail?: string): void {
    const slot = this.slots.get(name)!;
    if (status === 'start') {
      // A stage already closed (skipped because a later one started first) stays closed: its listr
      // task has finalized, and listr2 throws on output written to a finalized task.
      if (slot.state !== 'pending' && slot.state !== 'running') return;
      // Stages are drawn in order: anything before this one that is still open is closed now.
      for (const earlier of STAGES.slice(0, STAGES.indexOf(name))) {
        const s = this.slots.get(earlier)!;
        if (s.state === 'pending') this.close(s, 'skip');
        else if (s.state === 'running') this.close(s, 'done');
      }
      slot.state = 'running';
      slot.detail = detail;
      slot.output = detail;
      if (slot.task && detail) slot.task.output = detail;
      return;
    }
    if (slot.state === 'done' || slot.state === 'fail' || slot.state === 'skip') return;
    this.close(slot, status === 'fail' ? 'fail' : status === 'skip' ? 'skip' : 'done', detail);
  }

  progress(name: StageName, text: string): void {
    const slot = this.slots.get(name)!;
    if (slot.state === 'pending') this.stage(name, 'start');
    if (slot.state !== 'running') return; // closed (see stage()): nothing to draw into
    slot.output = text;
    if (slot.task) slot.task.output = text;
  }

  /** Fails the stage that is running (or the next one due) with the user's message. */
  fail(message: string): void {
    const open = STAGES.map((s) => this.slots.get(s)!).find((s) => s.state === 'running' || s.state === 'pending');
    if (open) this.close(open, 'fail', message);
  }

  warn(message: string): void {
    this.warnings.push(message);
    const running = STAGES.map((s) => this.slots.get(s)!).find((s) => s.state === 'running');
    if (running) {
      running.output = `warning: ${message}`;
      if (running.task) running.task.output = running.output;
    }
  }

  async finish(outcome: RunOutcome): Promise<void> {
    const title = this.title(outcome);
    if (this.runTask) this.runTask.title = title;
    else this.pendingRunTitle = title;
    if (outcome.status !== 'completed' && ![...this.slots.values()].some((s) => s.state === 'fail')) {
      if (outcome.status === 'skipped') this.skipRest(outcome.message ?? 'run skipped');
      else this.fail(outcome.message ?? outcome.status);
    }
    this.skipRest();
    await this.finished;
  }

  private skipRest(reason?: string): void {
    for (const slot of this.slots.values()) {
      if (slot.state === 'running') this.close(slot, 'done');
      else if (slot.state === 'pending') this.close(slot, 'skip', reason);
    }
  }

  private close(slot: Slot, state: 'done' | 'fail' | 'skip', detail?: string): void {
    slot.state = state;
    if (detail !== undefined) slot.detail = detail;
    else if (state !== 'done') slot.detail = undefined;
    slot.settle();
  }

  drawn(): Promise<void> {
    return this.finished;
  }
}

export class TtyReporter implements ProgressReporter {
  private tree?: RunTree;
  // listr2 redraws the whole tree on every output change; ten frames a second is plenty.
  private readonly clock = new ProgressClock(100);

  constructor(private readonly options: TtyReporterOptions) {}

  runStarted(run: RunInfo): void {
    this.clock.reset();
    const previous = this.tree;
    const tree = new RunTree(run, this.options.out, this.options.err);
    this.tree = tree;
    // Two trees cannot share the terminal: a run that was never finished is closed first.
    if (previous) void this.finishTree(previous, { status: 'interrupted', message: 'the next run started before this one reported an outcome' }).then(() => tree.start());
    else tree.start();
  }

  stage(name: StageName, status: StageStatus, detail?: string): void {
    if (this.tree) this.tree.stage(name, status, detail);
    else this.line(`${status === 'fail' ? '✖' : status === 'skip' ? '↓' : status === 'done' ? '✔' : '…'} ${STAGE_TITLES[name]}${detail ? ` · ${detail}` : ''}`, status === 'fail');
  }

  progress(stage: StageName, update: ProgressUpdate): void {
    if (!this.tree) return;
    const { show, etaSeconds } = this.clock.observe(stage, update);
    if (!show) return;
    // Bars for counting stages (clips, utterances); training has enough numbers on its line.
    const bar = update.total !== undefined && stage !== 'train' ? `${progressBar(update.done, update.total, 20, '█', '░')} ` : '';
    this.tree.progress(stage, bar + formatProgress(stage, update, etaSeconds));
  }

  metric(key: string, value: number, step?: number): void {
    if (!this.tree) this.line(`${key}=${value}${step === undefined ? '' : ` at step ${step}`}`);
  }

  info(message: string): void {
    if (!this.tree) this.line(message);
  }

  warn(message: string): void {
    if (this.tree) this.tree.warn(message);
    else this.line(`⚠ ${message}`, true);
  }

  error(err: unknown): void {
    const lines = formatError(err, this.options.debug ?? false);
    if (this.tree) {
      this.tree.fail(lines[0]);
      // The tree shows the message; what is left (stack, hint) goes below it once it is drawn.
      const rest = lines.slice(1);
      if (rest.length > 0) void this.tree.drawn().then(() => this.line(rest.join('\n'), true));
    } else {
      this.line(`✖ ${lines.join('\n')}`, true);
    }
  }

  async runFinished(outcome: RunOutcome): Promise<void> {
    const tree = this.tree;
    if (!tree) return;
    this.tree = undefined;
    await this.finishTree(tree, outcome);
  }

  private async finishTree(tree: RunTree, outcome: RunOutcome): Promise<void> {
    await tree.finish(outcome);
    for (const warning of tree.warnings) this.line(`⚠ ${warning}`, true);
    // The title already carries status and metrics; below it go the message and the folders.
    const [, ...details] = formatOutcome(tree.run, outcome);
    for (const line of details) this.line(line);
  }

  sweepSummary(rows: SummaryRow[]): void {
    this.line(['', ...formatSummaryTable(rows)].join('\n'));
  }

  async close(): Promise<void> {
    if (this.tree) await this.runFinished({ status: 'interrupted', message: 'the run ended without reporting an outcome' });
  }

  private line(text: string, toErr = false): void {
    (toErr ? this.options.err : this.options.out).write(`${text}\n`);
  }
}
