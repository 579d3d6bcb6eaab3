//! What the bench targets share (docs/PERFORMANCE.md): the generated inputs, the merge as the CLI runs
//! it, the bench binary's own child modes (a hello-world and a parse-only process, the floors of the
//! whole-process figures; one engine run in a fresh process; the max-RSS launcher), interleaved
//! rounds with their paired ratios of wall and CPU time, and the table rows `benches/figures.sh`
//! collects.

#![allow(dead_code)]

pub mod gen;

use std::path::Path;
use std::process::{Command, Stdio};

use wcmigrate::{Input, Migration, Options, Rules};

/// The release binary `cargo bench` builds beside the benches (same profile, fat LTO).
pub const BIN: &str = env!("CARGO_BIN_EXE_wcmigrate");

/// The shipped User Portal pair: the typical input of the start-up and batch figures.
pub const TYPICAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/user-portal-basic");
/// The shipped 3-way User Portal triple.
pub const TYPICAL3: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/3way-user-portal");

/// The environment variable that turns a bench binary into one of its child processes.
const CHILD: &str = "WCMIGRATE_BENCH_CHILD";
/// The child mode of the process the `rss` launcher starts.
const GRANDCHILD: &str = "WCMIGRATE_BENCH_GRANDCHILD";

/// True when the binary runs as `cargo bench` runs it; `cargo test --benches` leaves `--bench` out.
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Call first in `main`: when this process was started as a child by [`child`], do its work and
/// exit. `hello` exits at once (a Rust hello-world process: runtime start-up and exit); `parse DIR`
/// reads DIR/old.config and DIR/new.config and parses both with roxmltree (the parse-only floor of a
/// whole-process merge); `rss PROGRAM ARGS..` is [`max_rss`]'s launcher.
pub fn run_child_mode() {
    let Ok(what) = std::env::var(CHILD) else {
        return;
    };
    let mut words = what.splitn(2, ' ');
    match (words.next(), words.next()) {
        (Some("hello"), _) => println!("hello"),
        (Some("rss"), _) => launch_and_measure(),
        (Some("engine"), Some(rest)) => engine_child(rest),
        (Some("parse"), Some(dir)) => {
            let read = |f: &str| std::fs::read(Path::new(dir).join(f)).expect("readable input");
            println!(
                "{} nodes",
                parse_only(&read("old.config"), &read("new.config"))
            );
        }
        _ => {
            eprintln!("{CHILD}: unknown child mode {what:?}");
            std::process::exit(2);
        }
    }
    std::process::exit(0);
}

/// The `engine WORK DIR` child mode: reads DIR's base.config, old.config and new.config and the
/// built-in rules (untimed), then does WORK once — `parse` (parse-only), `merge` or `merge3` — and
/// prints its wall and CPU seconds. A fresh process for each run: the heap, the page faults and the
/// caches are as the CLI meets them, and no run inherits the state an earlier, larger one left.
fn engine_child(args: &str) {
    let (work, dir) = args.split_once(' ').expect("engine WORK DIR");
    let read = |f: &str| {
        let bytes = std::fs::read(Path::new(dir).join(f)).expect("readable input");
        Input::from_bytes(f, bytes)
    };
    let (base, old, new) = (read("base.config"), read("old.config"), read("new.config"));
    let rules = Rules::builtin();
    let (wall, cpu) = (std::time::Instant::now(), cpu_now());
    let done = match work {
        "parse" => parse_only(&old.bytes, &new.bytes),
        "merge" => merge(None, &old, &new, &rules).1,
        "merge3" => merge(Some(&base), &old, &new, &rules).1,
        _ => panic!("engine child: unknown work {work:?}"),
    };
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_now() - cpu);
    std::hint::black_box(done);
    println!("{wall} {cpu}");
}

/// Runs the `engine WORK DIR` child and returns the (wall, CPU) seconds it reports.
pub fn engine_run(work: &str, dir: &Path) -> (f64, f64) {
    let out = child(&format!("engine {work} {}", dir.display()))
        .output()
        .expect("the engine child starts");
    assert!(
        out.status.success(),
        "engine child {work} {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut nums = text.split_whitespace().map(|n| n.parse().expect("seconds"));
    (nums.next().expect("wall"), nums.next().expect("CPU"))
}

/// This bench binary started again in a child mode (see [`run_child_mode`]).
pub fn child(mode: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().expect("the bench binary"));
    c.env(CHILD, mode);
    c
}

/// `wcmigrate ARGS`, colour off, output captured by the caller.
pub fn wcmigrate<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(BIN);
    c.args(args).env("NO_COLOR", "1");
    c
}

/// Runs `c` to the end with its output read through pipes (as a shell pipe or a terminal would take
/// it), and panics unless it exits 0: a figure of a failing run would measure the wrong thing.
pub fn run(c: &mut Command) {
    let out = c.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{c:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    std::hint::black_box(out.stdout.len() + out.stderr.len());
}

/// Parsing both inputs with roxmltree, from their bytes as the merge gets them: the engine's floor.
pub fn parse_only(old: &[u8], new: &[u8]) -> usize {
    let a = std::str::from_utf8(old).expect("UTF-8 input");
    let b = std::str::from_utf8(new).expect("UTF-8 input");
    let x = roxmltree::Document::parse(a).expect("well-formed OLD");
    let y = roxmltree::Document::parse(b).expect("well-formed NEW");
    x.descendants().count() + y.descendants().count()
}

/// The merge as `wcmigrate merge` does it before writing: the migration, then its unified diff.
/// (The one place to adapt when the diff's API changes.)
pub fn merge(base: Option<&Input>, old: &Input, new: &Input, rules: &Rules) -> (Migration, usize) {
    let m = wcmigrate::merge::run(base, old, new, rules, &Options::default()).expect("merges");
    let diff = wcmigrate::diff::unified(&m, false);
    let len = diff.text.len();
    (m, len)
}

/// One generated triple as inputs: (BASE, OLD, NEW).
pub fn inputs(p: &gen::Pair) -> (Input, Input, Input) {
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    (
        i("base.config", &p.base),
        i("old.config", &p.old),
        i("new.config", &p.new),
    )
}

/// Writes the generated triple for `keys` into `dir` (base.config, old.config, new.config).
pub fn write_pair(dir: &Path, keys: usize) -> gen::Pair {
    std::fs::create_dir_all(dir).expect("create the pair's folder");
    let p = gen::pair(keys);
    for (name, text) in [
        ("base.config", &p.base),
        ("old.config", &p.old),
        ("new.config", &p.new),
    ] {
        std::fs::write(dir.join(name), text).expect("write the pair");
    }
    p
}

/// A scratch folder on the disk the outputs go to (the system's temporary folder), removed on drop.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("wcmigrate-bench")
        .tempdir()
        .expect("a scratch folder")
}

/// The max resident set (bytes) of one run of `c`, its output discarded; None off Linux.
///
/// Read from `wait4`'s rusage of that child alone, and taken by a small launcher process (this bench
/// binary again, in its `rss` child mode) rather than by the bench itself: Linux counts the launcher's
/// resident set at the `exec` into a child's, and the bench holds hundreds of MB of inputs. The
/// launcher's own few MB are in every figure; `max_rss(Command::new("true"))` shows how many.
pub fn max_rss(c: &Command) -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut launcher = child("rss");
    launcher.arg(c.get_program()).args(c.get_args());
    for (k, v) in c.get_envs() {
        match (k.to_str(), v) {
            // The child's own mode travels under another name: the launcher's is `rss`.
            (Some(CHILD), Some(v)) => launcher.env(GRANDCHILD, v),
            (_, Some(v)) => launcher.env(k, v),
            (_, None) => launcher.env_remove(k),
        };
    }
    let out = launcher.output().expect("the launcher starts");
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The `rss` child mode: runs argv[1..] with output discarded, waits for it with `wait4` and prints
/// its max RSS in bytes.
#[cfg(target_os = "linux")]
fn launch_and_measure() -> ! {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut c = Command::new(&args[0]);
    c.args(&args[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove(CHILD);
    if let Ok(mode) = std::env::var(GRANDCHILD) {
        c.env(CHILD, mode).env_remove(GRANDCHILD);
    }
    let child = c.spawn().expect("the command starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI calls with valid pointers to a status word and a zeroed rusage we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    // `child` was reaped above: dropping it neither waits nor kills.
    drop(child);
    if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        eprintln!("{args:?} failed (wait4 {r}, status {status})");
        std::process::exit(1);
    }
    // Linux reports ru_maxrss in KiB.
    println!("{}", usage.ru_maxrss as u64 * 1024);
    std::process::exit(0);
}

#[cfg(not(target_os = "linux"))]
fn launch_and_measure() -> ! {
    std::process::exit(1);
}

/// One row of the docs/PERFORMANCE.md table, printed for `benches/figures.sh` to collect and sort by
/// `item` (the number of the target in issue 16's "Deliver" list).
pub fn row(item: u8, goal: &str, figure: &str, command: &str, floor: &str) {
    println!("| {item} | {goal} | {figure} | `{command}` | {floor} |");
}

/// A time for a person: µs, ms or s.
pub fn t(secs: f64) -> String {
    if secs < 1e-3 {
        format!("{:.0} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{:.2} s", secs)
    }
}

/// Bytes as MB (10^6), as the issue gives them; kB below 1 MB.
pub fn mb(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{:.0} kB", bytes as f64 / 1e3)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// The load average over the last minute, which the figures should be read against.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Times of one case of an [`interleaved`] run, in seconds, one per round: wall-clock time, and the
/// CPU time (user + system) of this process and of the children it waited for.
pub struct Sample {
    pub name: &'static str,
    pub times: Vec<f64>,
    pub cpu: Vec<f64>,
}

impl Sample {
    pub fn median(&self) -> f64 {
        middle(self.times.clone())
    }

    pub fn cpu_median(&self) -> f64 {
        middle(self.cpu.clone())
    }
}

/// CPU time (user + system, seconds) used so far by this process and by the children it has waited
/// for; NaN off Linux. Unlike wall time, it does not grow when other programs take the cores, so its
/// ratios hold on a loaded machine; it leaves out waiting (for fsync, for instance).
pub fn cpu_now() -> f64 {
    #[cfg(target_os = "linux")]
    {
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        let mut total = 0.0;
        for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
            // SAFETY: getrusage fills the zeroed struct we own.
            let mut u: libc::rusage = unsafe { std::mem::zeroed() };
            if unsafe { libc::getrusage(who, &mut u) } == 0 {
                total += secs(u.ru_utime) + secs(u.ru_stime);
            }
        }
        total
    }
    #[cfg(not(target_os = "linux"))]
    {
        f64::NAN
    }
}

fn middle(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The median over rounds of `a`'s time / `b`'s time in the same round: a ratio that load moving
/// between rounds does not bias.
pub fn paired_ratio(a: &Sample, b: &Sample) -> f64 {
    middle(a.times.iter().zip(&b.times).map(|(x, y)| x / y).collect())
}

/// [`paired_ratio`] of CPU times.
pub fn paired_cpu_ratio(a: &Sample, b: &Sample) -> f64 {
    middle(a.cpu.iter().zip(&b.cpu).map(|(x, y)| x / y).collect())
}

/// "a / b = **r** (CPU r')": medians of wall time, the paired ratio, and the paired ratio of CPU time:
/// for work that waits (fsync) or runs on several threads.
pub fn ratio(a: &Sample, b: &Sample) -> String {
    format!(
        "{} / {} = **{:.2}** (CPU {:.2})",
        t(a.median()),
        t(b.median()),
        paired_ratio(a, b),
        paired_cpu_ratio(a, b)
    )
}

/// "CPU a / b = **r** (wall r')": the same with CPU time first, for single-threaded work that never
/// waits, where CPU time is what the wall time would be on an idle machine, and a loaded machine
/// stretches long runs' wall time more than short ones'.
pub fn cpu_ratio(a: &Sample, b: &Sample) -> String {
    format!(
        "CPU {} / {} = **{:.2}** (wall {:.2})",
        t(a.cpu_median()),
        t(b.cpu_median()),
        paired_cpu_ratio(a, b),
        paired_ratio(a, b)
    )
}

/// A case of an [`interleaved`] run: a name, something to do before each run (not timed) and the
/// run itself, done `reps` times in a row per round (the time is per run). A run that times itself
/// (a child process timing only its work) returns its (wall, CPU) seconds; the others return None
/// and are timed from outside.
pub struct Case<'a> {
    pub name: &'static str,
    pub setup: Box<dyn FnMut() + 'a>,
    pub run: Box<dyn FnMut() -> Option<(f64, f64)> + 'a>,
    pub reps: u32,
}

impl<'a> Case<'a> {
    pub fn new(name: &'static str, mut run: impl FnMut() + 'a) -> Case<'a> {
        Case {
            name,
            setup: Box::new(|| {}),
            run: Box::new(move || {
                run();
                None
            }),
            reps: 1,
        }
    }

    /// A case whose run reports its own (wall, CPU) seconds.
    pub fn timed(name: &'static str, run: impl FnMut() -> (f64, f64) + 'a) -> Case<'a> {
        let mut run = run;
        Case {
            name,
            setup: Box::new(|| {}),
            run: Box::new(move || Some(run())),
            reps: 1,
        }
    }

    pub fn with_setup(mut self, setup: impl FnMut() + 'a) -> Case<'a> {
        self.setup = Box::new(setup);
        self
    }

    /// Runs `reps` times per round: for runs too short to time one by one.
    pub fn reps(mut self, reps: u32) -> Case<'a> {
        self.reps = reps.max(1);
        self
    }
}

/// Runs every case once per round, round after round, the first case of each round rotating, until
/// `rounds` rounds or `budget` (at least 5 rounds) — after `warmup` untimed rounds. On a shared
/// machine the load moves from second to second: measuring the cases one after another (as criterion
/// does) compares them under different loads, while a round compares them under nearly the same.
pub fn interleaved(
    warmup: usize,
    rounds: usize,
    budget: std::time::Duration,
    cases: &mut [Case],
) -> Vec<Sample> {
    let mut samples: Vec<Sample> = cases
        .iter()
        .map(|c| Sample {
            name: c.name,
            times: Vec::new(),
            cpu: Vec::new(),
        })
        .collect();
    let start = std::time::Instant::now();
    let k = cases.len();
    for r in 0..warmup + rounds {
        if r >= warmup + 5 && start.elapsed() > budget {
            break;
        }
        for j in 0..k {
            let i = (r + j) % k;
            let case = &mut cases[i];
            (case.setup)();
            let (t, cpu) = (std::time::Instant::now(), cpu_now());
            let mut reported = (0.0, 0.0);
            let mut all_reported = true;
            for _ in 0..case.reps {
                match (case.run)() {
                    Some((w, c)) => reported = (reported.0 + w, reported.1 + c),
                    None => all_reported = false,
                }
            }
            let reps = f64::from(case.reps);
            let (took, used) = if all_reported {
                (reported.0 / reps, reported.1 / reps)
            } else {
                (t.elapsed().as_secs_f64() / reps, (cpu_now() - cpu) / reps)
            };
            if r >= warmup {
                samples[i].times.push(took);
                samples[i].cpu.push(used);
            }
        }
    }
    samples
}

/// The sample named `name`.
pub fn find<'s>(samples: &'s [Sample], name: &str) -> Option<&'s Sample> {
    samples.iter().find(|s| s.name == name)
}

/// Prints one line per case: median, and min–max of the middle half.
pub fn print_samples(group: &str, samples: &[Sample]) {
    for s in samples {
        let mut v = s.times.clone();
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let (lo, hi) = (v[v.len() / 4], v[(v.len() * 3 / 4).min(v.len() - 1)]);
        println!(
            "{group}/{:<14} median {:>10}  (middle half {} – {}, {} rounds; CPU {})",
            s.name,
            t(s.median()),
            t(lo),
            t(hi),
            v.len(),
            t(s.cpu_median())
        );
    }
}

/// True unless the bench was given filters (arguments other than flags) and none is in `group`.
pub fn selected(group: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| group.contains(f.as_str()))
}

/// Whether criterion's FILTER (its first positional argument, a regex) can select `id`: alternatives
/// split at `|` and matched as substrings; a filter with other regex syntax selects everything (the
/// caller then only does a little needless work).
pub fn selected_by_criterion_filter(id: &str) -> bool {
    // Criterion's flags without a value; any other `--option` takes the next argument as its value.
    const FLAGS: [&str; 11] = [
        "--bench",
        "--test",
        "--list",
        "--exact",
        "--ignored",
        "--verbose",
        "-v",
        "--quiet",
        "--noplot",
        "-n",
        "--discard-baseline",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a.starts_with('-') {
            i += if FLAGS.contains(&a.as_str()) || a.contains('=') {
                1
            } else {
                2
            };
            continue;
        }
        if a.contains(|c| "^$.*+?()[]{}\\".contains(c)) {
            return true;
        }
        return a.split('|').any(|alt| id.contains(alt));
    }
    true
}
