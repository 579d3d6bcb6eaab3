//! The engine's procedure: one OLD/NEW pair (and BASE, for a 3-way merge) in, one [`Migration`] out.
//!
//! Owns the order of the stages — load, parse, check, claim, plan, splice, verify — and nothing of
//! their insides: each stage is a function of its own module, each rule action a module of
//! [`crate::actions`]. It never writes a file and never renders: renderers consume the [`Migration`].

use crate::actions::context::{Planned, Shared};
use crate::actions::{Context, FINALLY};
use crate::diag::{Diagnostic, Sources};
use crate::rules::Rules;

mod accept;
mod check;
mod direction;
mod externals;
mod finish;
mod load;

pub use crate::migration::{
    Change, ChangeKind, Decision, DecisionKind, Failure, Input, Migration, Options, Origin, Prefer,
    DEFAULT_MAX_SIZE,
};

/// Migrates one pair with `rules`.
pub fn migrate(
    old: &Input,
    new: &Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    run(None, old, new, rules, opts)
}

/// Migrates one pair with the pristine old default BASE: besides the 2-way rules, every change the
/// admin made to BASE elsewhere in the file is carried into NEW (rule action `three-way`).
pub fn migrate3(
    base: &Input,
    old: &Input,
    new: &Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    run(Some(base), old, new, rules, opts)
}

/// [`migrate3`] when BASE is given, else [`migrate`]. On failure nothing should be written; the
/// [`Failure`] holds every diagnostic up to the one that stopped the run.
pub fn run(
    base: Option<&Input>,
    old: &Input,
    new: &Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    run_owned(base.cloned(), old.clone(), new.clone(), rules, opts)
}

/// [`run`] taking the inputs: each one's bytes are freed as soon as they are decoded, so a large
/// merge holds one copy of each input (its text) instead of two. The command line uses this.
pub fn run_owned(
    base: Option<Input>,
    old: Input,
    new: Input,
    rules: &Rules,
    opts: &Options,
) -> Result<Migration, Failure> {
    let mut sources = Sources::default();
    let mut diags = Vec::new();
    match stages(base, old, new, rules, opts, &mut sources, &mut diags) {
        Ok(done) => Ok(done.into_migration(sources, diags)),
        Err(d) => {
            diags.push(d);
            Err(Failure {
                sources,
                diagnostics: diags,
            })
        }
    }
}

/// The procedure itself. Any stage's error stops it; notes and warnings gather in `diags`.
fn stages(
    base: Option<Input>,
    mut old: Input,
    mut new: Input,
    rules: &Rules,
    opts: &Options,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Result<finish::Verified, Diagnostic> {
    let secrets = &rules.secrets;
    // Load (each file registered with its secrets: every later view of it is masked), then parse.
    let old_in = load::decode_input(&mut old, secrets, sources)?;
    let new_in = load::decode_input(&mut new, secrets, sources)?;
    let (old_doc, new_doc) = (load::parse_loaded(&old_in)?, load::parse_loaded(&new_in)?);
    let base_in = base
        .map(|mut b| load::decode_input(&mut b, secrets, sources))
        .transpose()?;
    let base_doc = base_in.as_ref().map(load::parse_loaded).transpose()?;
    let (old_side, new_side) = (old_in.side(&old_doc), new_in.side(&new_doc));
    let base_side = base_in
        .as_ref()
        .zip(base_doc.as_ref())
        .map(|(l, d)| l.side(d));

    // Check what every action relies on; ask each what it takes charge of.
    let claims = rules.claims(opts);
    check::inputs(old_side, new_side, base_side, &claims, diags)?;
    diags.extend(direction::check(&old_side, &new_side));

    // Files OLD's claimed sections point to, loaded like inputs.
    let ext_files = externals::read(
        &old_doc,
        old_in.id,
        opts.max_size,
        &old,
        &claims,
        secrets,
        sources,
        diags,
    );
    let ext_docs = externals::parse(&ext_files, sources)?;
    let ext = externals::index(&ext_docs);

    // Every action plans its edits in one shared context, in the rule set's order.
    let shared = Shared {
        identity: &rules.identity,
        secrets,
        known: &rules.known,
        claims: &claims,
        opts,
    };
    let cx = Context::new(old_side, new_side, base_side, &ext, shared);
    let planned = plan(cx, rules);
    diags.extend(planned.diags);

    // Splice NEW, then check the result before anyone may write it.
    let (merged_text, landed) = finish::splice(&new_in, &planned.edits)?;
    // The input trees are done with: free them before the output is parsed, to lower the peak.
    drop((ext_docs, base_doc, old_doc, new_doc));
    let spliced = finish::Spliced {
        old: old_in.id,
        base: base_in.map(|b| b.id),
        new: new_in,
        merged_text,
        landed,
        changes: planned.changes,
        decisions: planned.decisions,
    };
    spliced.verify(secrets, sources)
}

/// Lets every rule's action plan in the rule set's order, then the actions that always run last.
fn plan(mut cx: Context, rules: &Rules) -> Planned {
    for (rule, action) in rules.actions() {
        cx.rule = rule;
        action.plan(&mut cx);
    }
    for action in FINALLY {
        cx.rule = Default::default();
        action.plan(&mut cx);
    }
    cx.finish()
}
