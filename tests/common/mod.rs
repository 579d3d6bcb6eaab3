//! Generated web.config documents for property tests: random keys, values and layout (line endings,
//! indentation, quote style, BOM, comments), rendered as an admin's editor might have saved them.

#![allow(dead_code)]

use proptest::prelude::*;

#[derive(Debug, Clone)]
pub struct Layout {
    pub eol: &'static str,
    pub indent: &'static str,
    pub quote: char,
    pub close: &'static str,
    pub bom: bool,
    pub comment: bool,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub layout: Layout,
    pub app: Vec<(String, String)>,
    pub settings: Vec<(String, String)>,
    pub theme: String,
}

pub fn layout() -> impl Strategy<Value = Layout> {
    (
        prop_oneof![Just("\n"), Just("\r\n")],
        prop_oneof![Just("  "), Just("    "), Just("\t")],
        prop_oneof![Just('"'), Just('\'')],
        prop_oneof![Just(" />"), Just("/>")],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(eol, indent, quote, close, bom, comment)| Layout {
            eol,
            indent,
            quote,
            close,
            bom,
            comment,
        })
}

pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("USE_WEB_SERVICE_SDK".to_string()),
        Just("use_web_service_sdk".to_string()),
        Just("WEB_SERVICE_SDK_AUTHENTICATION_USERNAME".to_string()),
        Just("WEB_SERVICE_SDK_AUTHENTICATION_PASSWORD".to_string()),
        Just("OVERRIDE_PHONE_APP_WEB_SERVICE_URL".to_string()),
        Just("SSL_REQUIRED".to_string()),
        "[A-Z][A-Za-z]{2,6}_[0-9]",
    ]
}

/// Values with every character that needs care in XML, and URLs with and without old vdir names.
pub fn value(with_old_vdirs: bool) -> BoxedStrategy<String> {
    let plain = "[a-zA-Z0-9 &<>\"'=;:/._\\\\é-]{0,16}".boxed();
    let seg = if with_old_vdirs {
        prop_oneof![
            Just("PhoneFactorWebServiceSdk"),
            Just("phonefactor"),
            Just("PhoneFactorX"),
            Just("MultiFactorAuth"),
            Just("PhoneFactorPhoneAppWebService")
        ]
        .boxed()
    } else {
        prop_oneof![
            Just("MultiFactorAuthWebServiceSdk"),
            Just("PhoneFactorX"),
            Just("app")
        ]
        .boxed()
    };
    let url = (
        prop_oneof![Just("http"), Just("https")],
        "[a-z]{1,8}(\\.[a-z]{2,4})?(:[0-9]{2,4})?",
        seg,
        "(\\?a=1&b=[a-z]{0,3})?",
    )
        .prop_map(|(s, h, seg, q)| format!("{s}://{h}/{seg}/PfWsSdk.asmx{q}"));
    prop_oneof![3 => plain, 1 => url].boxed()
}

pub fn spec(with_old_vdirs: bool) -> impl Strategy<Value = Spec> {
    (
        layout(),
        prop::collection::vec((key(), value(with_old_vdirs)), 0..6),
        prop::collection::vec(
            (
                prop_oneof![
                    Just("pfup_pfwssdk_PfWsSdk".to_string()),
                    "pfup_[A-Z][a-z]{1,5}"
                ],
                value(with_old_vdirs),
            ),
            0..3,
        ),
        prop_oneof![Just("Default".to_string()), "[A-Z][a-z]{2,6}"],
    )
        .prop_map(|(layout, app, settings, theme)| Spec {
            layout,
            app,
            settings,
            theme,
        })
}

fn attr(v: &str, q: char) -> String {
    let mut s = v.replace('&', "&amp;").replace('<', "&lt;");
    s = if q == '"' {
        s.replace('"', "&quot;")
    } else {
        s.replace('\'', "&apos;")
    };
    s
}

fn text(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders a spec as a User Portal web.config.
pub fn render(s: &Spec) -> String {
    let Layout {
        eol,
        indent: i,
        quote: q,
        close,
        bom,
        comment,
    } = s.layout.clone();
    let mut out = String::new();
    if bom {
        out.push('\u{FEFF}');
    }
    out += &format!("<?xml version={q}1.0{q} encoding={q}utf-8{q}?>{eol}<configuration>{eol}");
    out += &format!("{i}<configSections>{eol}{i}{i}<sectionGroup name={q}applicationSettings{q} type={q}System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089{q}>{eol}");
    out += &format!("{i}{i}{i}<section name={q}pfup.Properties.Settings{q} type={q}System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089{q} requirePermission={q}false{q}{close}{eol}");
    out += &format!("{i}{i}</sectionGroup>{eol}{i}</configSections>{eol}{i}<appSettings>{eol}");
    if comment {
        out += &format!("{i}{i}<!-- keys & values -->{eol}");
    }
    for (k, v) in &s.app {
        out += &format!(
            "{i}{i}<add key={q}{}{q} value={q}{}{q}{close}{eol}",
            attr(k, q),
            attr(v, q)
        );
    }
    out += &format!("{i}</appSettings>{eol}{i}<system.web>{eol}{i}{i}<pages theme={q}{}{q}{close}{eol}{i}</system.web>{eol}", attr(&s.theme, q));
    out += &format!("{i}<applicationSettings>{eol}{i}{i}<pfup.Properties.Settings>{eol}");
    for (n, v) in &s.settings {
        out += &format!("{i}{i}{i}<setting name={q}{n}{q} serializeAs={q}String{q}>{eol}{i}{i}{i}{i}<value>{}</value>{eol}{i}{i}{i}</setting>{eol}", text(v));
    }
    out += &format!(
        "{i}{i}</pfup.Properties.Settings>{eol}{i}</applicationSettings>{eol}</configuration>"
    );
    if comment {
        out += eol;
    }
    out
}
