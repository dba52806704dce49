//! The variables of a service's env files, which never go into a unit file: they are written to
//! `STACK-NAME.env` (mode 0600) and read by the unit with
//! `EnvironmentFile=%E/systemd/user/STACK-NAME.env`, that is beside the unit once the exported
//! directory is installed as the user's units (`~/.config/systemd/user`, `%E` being
//! `$XDG_CONFIG_HOME` for a user manager). The file is required: a service does not start
//! without its secrets.

use super::super::{EnvSplit, Notes, OutputFile, Plan};
use super::unit_name;
use coord_core::ServiceId;

/// The `EnvironmentFile=` value for the env file called `name`.
pub fn path(name: &str) -> String {
    format!("%E/systemd/user/{name}")
}

/// The env file of service `id`, if it has variables from env files (without those coord sets
/// itself, see [`EnvSplit::for_export`]).
pub fn secrets(plan: &Plan, id: ServiceId, notes: &mut Notes) -> Option<OutputFile> {
    let service = plan.service(id);
    let vars = EnvSplit::for_export(plan, id, notes).from_files;
    if vars.is_empty() {
        return None;
    }
    let name = format!("{}.env", unit_name(plan, id));
    let count = vars.len();
    notes.service(
        &service.name,
        format!(
            "{count} variable{} from env files written to {name} (mode 0600), not to the unit: install it beside the unit, as {}",
            if count == 1 { "" } else { "s" },
            path(&name).replace("%E", "~/.config")
        ),
    );
    let mut text = format!(
        "# Exported by coord from the stack `{}`: the env-file variables of `{}`, read by {}.service\n",
        plan.name,
        service.name,
        unit_name(plan, id)
    );
    for (key, value) in &vars {
        text.push_str(&format!("{key}={}\n", quoted(value)));
    }
    Some(OutputFile {
        name,
        text,
        private: true,
    })
}

/// A value as systemd's `EnvironmentFile=` reads it literally: between double quotes, with `"`,
/// `\`, `` ` `` and `$` escaped by a backslash (a newline stays inside the quotes).
fn quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '`' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_literally() {
        assert_eq!(quoted("p@ss w\"o$rd\\`x`"), r#""p@ss w\"o\$rd\\\`x\`""#);
        assert_eq!(quoted(""), "\"\"");
    }
}
