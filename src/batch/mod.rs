//! Batch: migrates every case under a folder, or listed in a JSON manifest, in parallel, and reports.
//!
//! Only the public paths live here; one submodule per stage: `find`, `case_input`, `run` (with
//! `isolate`), `commit`, `record`, `summary`. It holds no logic and decides nothing about a migration (that is `merge`'s).

mod case_input;
mod commit;
mod find;
mod isolate;
mod record;
mod run;
mod summary;

pub use case_input::{
    apply_case_args, check_base, check_vdir, instructions_text, read_file, read_input, read_text,
    vdir_overrides, Reach,
};
pub use commit::{Step, StepHook};
pub use find::{find_cases, find_cases_within, Case, Cases, Files, Listed, ARGS, BASE, NEW, OLD};
pub use record::{
    is_conflict, CaseDiagnostic, Flagged, PendingFile, Record, ReportWriter, Status, Summary,
    SummaryLine, Totals, LIST_LIMIT,
};
pub use run::{run, Settings, DEFAULT_CASE_TIMEOUT, MERGED, MERGED_DIFF};
pub use summary::render_summary;

/// The default of `--max-size`: far above any real web.config.
pub use crate::merge::DEFAULT_MAX_SIZE;
