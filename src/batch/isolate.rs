//! Batch, isolating a case: runs one case's work so that neither a panic nor an endless case stops
//! the others.
//!
//! Owns the panic hook (a panic becomes its case's message) and the time bound: the work runs on a
//! helper thread and is abandoned when `--case-timeout` passes. The engine cannot be cancelled, so
//! an abandoned thread runs on until it ends or the process exits; it only reads and computes (the
//! caller writes a case's files after the work returns), so abandoning it writes nothing.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Once};
use std::thread;
use std::time::Duration;

/// Stack size of a thread that runs cases: as large as a main thread's, so a deep document fails as it would in
/// `merge`.
pub(super) const STACK_SIZE: usize = 8 * 1024 * 1024;

/// How a case's work ended.
#[derive(Debug, PartialEq)]
pub(super) enum Outcome<T> {
    Done(T),
    /// It panicked: the message and place.
    Panicked(String),
    /// It was still running when the time bound passed, and was abandoned.
    TimedOut,
    /// No thread could be started for it (the reason); it did not run.
    NoThread(String),
}

/// Runs `work`, catching a panic; with a `limit`, on a helper thread that is abandoned once `limit`
/// has passed. Each calling thread keeps one helper and reuses it from case to case (starting a thread
/// per case cost a third of a small case's time); an abandoned helper is replaced by a new one.
pub(super) fn isolated<T: Send + 'static>(
    limit: Option<Duration>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Outcome<T> {
    install_panic_hook();
    let Some(limit) = limit else {
        return catch_panic(work).map_or_else(Outcome::Panicked, Outcome::Done);
    };
    let (done, result) = mpsc::sync_channel(1);
    let task: Task = Box::new(move || {
        // The receiver is gone only if the case was abandoned: nobody wants the result.
        let _ = done.send(catch_panic(work));
    });
    if let Err(e) = hand_to_helper(task) {
        return Outcome::NoThread(e.to_string());
    }
    match result.recv_timeout(limit) {
        Ok(Ok(done)) => Outcome::Done(done),
        Ok(Err(message)) => Outcome::Panicked(message),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // Dropping our end of its queue lets the helper exit once the abandoned case ends.
            HELPER.with(|h| h.borrow_mut().take());
            Outcome::TimedOut
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Outcome::Panicked("the case's thread ended without a result".to_string())
        }
    }
}

/// One case's work, as a helper runs it.
type Task = Box<dyn FnOnce() + Send>;

thread_local! {
    /// The queue of this thread's helper, which runs its cases one at a time.
    static HELPER: RefCell<Option<mpsc::Sender<Task>>> = const { RefCell::new(None) };
}

/// Gives `task` to this thread's helper, starting one if there is none (or it is gone).
fn hand_to_helper(task: Task) -> std::io::Result<()> {
    HELPER.with(|h| {
        let mut h = h.borrow_mut();
        let task = match h.as_ref() {
            Some(tx) => match tx.send(task) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(task)) => task,
            },
            None => task,
        };
        let (tx, queue) = mpsc::channel::<Task>();
        thread::Builder::new()
            .name("wcmigrate-case".to_string())
            .stack_size(STACK_SIZE)
            .spawn(move || queue.into_iter().for_each(|task| task()))?;
        // The helper was just started and holds the queue: this send cannot fail.
        let _ = tx.send(task);
        *h = Some(tx);
        Ok(())
    })
}

thread_local! {
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once per process, a panic hook that records the message and place of a panic inside a
/// batch case instead of printing it; any other panic goes to the hook that was there before.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CASE.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                    .unwrap_or_default();
                let text = format!("{}{at}", payload_text(info.payload()));
                PANIC.with(|p| *p.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `f`, turning a panic into its message. `f` only reads shared data (rules, settings), so
/// nothing it could leave half-changed outlives it: asserting unwind safety is sound.
fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    IN_CASE.with(|c| c.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_CASE.with(|c| c.set(false));
    result.map_err(|payload| {
        PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| payload_text(payload.as_ref()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_message_with_its_place() {
        for limit in [None, Some(Duration::from_secs(600))] {
            let err = isolated(limit, || -> u8 { panic!("boom {}", 7) });
            let Outcome::Panicked(err) = err else {
                panic!("{err:?}")
            };
            assert!(err.starts_with("boom 7 (at src/batch/isolate.rs:"), "{err}");
            assert_eq!(isolated(limit, || 5), Outcome::Done(5));
        }
    }

    #[test]
    fn work_that_never_ends_is_abandoned_when_the_limit_passes() {
        // The work blocks until the test ends: only the limit can end the wait.
        let (_keep, blocked) = mpsc::channel::<()>();
        let outcome = isolated(Some(Duration::from_millis(200)), move || blocked.recv());
        assert_eq!(outcome, Outcome::TimedOut);
        // The next case gets a new helper, not the one still stuck.
        assert_eq!(
            isolated(Some(Duration::from_secs(600)), || 6),
            Outcome::Done(6)
        );
    }
}
