// Progress output for runs and sweeps; see reporter.ts for the events and create-reporter.ts for the modes.
export { createReporter, isCi, resolveMode, type CreateReporterOptions, type ReporterMode } from './create-reporter.ts';
export { STAGES, type ProgressReporter, type ProgressUpdate, type RunInfo, type RunOutcome, type RunStatus, type StageName, type StageStatus, type SummaryRow } from './reporter.ts';
export { formatSummaryTable } from './format.ts';
