//! Generated web.config pairs for benchmarks and measurements: `keys` appSettings keys and `keys / 4`
//! settings, OLD with half the values changed (URLs with old virtual directories, entities), 1% of
//! keys only in OLD, some keys in another case; BASE is OLD's pristine form.

#![allow(dead_code)]

pub struct Pair {
    pub base: String,
    pub old: String,
    pub new: String,
}

fn doc(keys: usize, flavour: u8, eol: &str) -> String {
    let mut s = String::with_capacity(keys * 110 + 4096);
    s.push_str(&format!("<?xml version=\"1.0\"?>{eol}<configuration>{eol}  <configSections>{eol}    <sectionGroup name=\"applicationSettings\" type=\"System.Configuration.ApplicationSettingsGroup, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\">{eol}      <section name=\"pfup.Properties.Settings\" type=\"System.Configuration.ClientSettingsSection, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\" requirePermission=\"false\" />{eol}    </sectionGroup>{eol}  </configSections>{eol}  <appSettings>{eol}"));
    for i in 0..keys {
        let only_old = i % 100 == 99;
        if only_old && flavour != 1 {
            continue;
        }
        let key = if flavour == 1 && i % 10 == 3 {
            format!("setting_key_{i}")
        } else {
            format!("SETTING_KEY_{i}")
        };
        let value = match (flavour, i % 4) {
            (1, 0) => format!(
                "https://mfa{i}.contoso.local/PhoneFactorWebServiceSdk/PfWsSdk.asmx?a=1&amp;b={i}"
            ),
            (1, 1) => format!("changed value {i} &amp; more"),
            (2, 0) => format!(
                "https://mfa{i}.contoso.local/PhoneFactorWebServiceSdk/PfWsSdk.asmx?a=1&amp;b={i}"
            ),
            _ => format!("default value {i}"),
        };
        s.push_str(&format!("    <add key=\"{key}\" value=\"{value}\" />{eol}"));
    }
    s.push_str(&format!("  </appSettings>{eol}  <system.web>{eol}    <compilation debug=\"false\" targetFramework=\"4.5\" />{eol}    <httpRuntime executionTimeout=\"{}\" />{eol}  </system.web>{eol}  <applicationSettings>{eol}    <pfup.Properties.Settings>{eol}", if flavour == 1 { 300 } else { 180 }));
    for i in 0..keys / 4 {
        let value = if flavour == 1 && i % 2 == 0 {
            format!("http://sdk{i}.contoso.local/PhoneFactor/x.asmx")
        } else {
            format!("http://localhost:4898/{i}.asmx")
        };
        s.push_str(&format!("      <setting name=\"pfup_setting_{i}\" serializeAs=\"String\">{eol}        <value>{value}</value>{eol}      </setting>{eol}"));
    }
    s.push_str(&format!(
        "    </pfup.Properties.Settings>{eol}  </applicationSettings>{eol}</configuration>{eol}"
    ));
    s
}

/// A pair (with BASE) of about `keys * 100` bytes each.
pub fn pair(keys: usize) -> Pair {
    Pair {
        base: doc(keys, 2, "\n"),
        old: doc(keys, 1, "\n"),
        new: doc(keys, 0, "\r\n"),
    }
}
