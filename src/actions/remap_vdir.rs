//! Action `remap-vdir`: a virtual directory renamed inside URL values (`PhoneFactorWebServiceSdk` →
//! `MultiFactorAuthWebServiceSdk`), or to the name given by its command-line option.
//!
//! It claims a rename; the copy actions apply every claimed rename to each value they carry
//! ([`super::carry`]), changing only the bytes of the matching URL segment. It plans no edit itself.

use serde::Deserialize;

use super::context::Context;
use super::{Claims, Kind, RuleAction, RuleInfo};
use crate::migration::Options;
use crate::remap::Rename;

pub const KIND: Kind = Kind {
    name: "remap-vdir",
    build: |t| {
        let r = super::params::<RemapVdir>("remap-vdir", t)?;
        if [&r.from, &r.to]
            .iter()
            .any(|s| s.is_empty() || s.contains(['/', '\\']))
        {
            return Err("remap-vdir needs one path segment in `from` and `to`".into());
        }
        Ok(Box::new(r))
    },
};

/// Rename virtual directory `from` to `to`; `--<option> NAME` overrides `to`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemapVdir {
    from: String,
    to: String,
    option: String,
}

impl RuleAction for RemapVdir {
    fn claim(&self, claims: &mut Claims, rule: &RuleInfo, opts: &Options) {
        let to = opts
            .vdirs
            .get(&self.option)
            .cloned()
            .unwrap_or_else(|| self.to.clone());
        let rename = Rename {
            from: self.from.clone(),
            to,
        };
        claims.renames.push((rule.clone(), rename));
    }

    fn plan(&self, _cx: &mut Context<'_>) {}
}
