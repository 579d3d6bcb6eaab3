//! The 3-way merge of three texts through the library with the built-in rules, for the tests of
//! identity and placement: a failure panics with its diagnostics.

use wcmigrate::{migrate3, Input, Migration, Options, Prefer, Rules};

pub fn merge3(base: &str, old: &str, new: &str, prefer: Prefer) -> Migration {
    let i = |n: &str, t: &str| Input::from_bytes(n, t.as_bytes().to_vec());
    let opts = Options {
        prefer,
        ..Options::default()
    };
    migrate3(
        &i("base.config", base),
        &i("old.config", old),
        &i("new.config", new),
        &Rules::builtin(),
        &opts,
    )
    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
}
