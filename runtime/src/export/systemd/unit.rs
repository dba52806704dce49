//! A unit file: sections of `Key=value` lines, and the escaping systemd needs in command lines
//! (`$` and `%` doubled, words quoted) and in `Environment=` assignments.

use std::time::Duration;

/// One unit file being built.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Unit {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl Unit {
    /// Adds `key=value` to `section` (created at the end on first use).
    pub fn set(&mut self, section: &str, key: &str, value: impl Into<String>) {
        let entries = match self.sections.iter().position(|(s, _)| s == section) {
            Some(i) => &mut self.sections[i].1,
            None => {
                self.sections.push((section.to_string(), Vec::new()));
                &mut self.sections.last_mut().expect("just pushed").1
            }
        };
        entries.push((key.to_string(), value.into()));
    }

    /// Adds `key=` with the names joined by spaces, unless there are none.
    pub fn set_list(&mut self, section: &str, key: &str, names: &[String]) {
        if !names.is_empty() {
            self.set(section, key, names.join(" "));
        }
    }

    /// The file's text.
    pub fn render(&self, header: &str) -> String {
        let mut out = format!("# {header}\n");
        for (i, (section, entries)) in self.sections.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("[{section}]\n"));
            for (key, value) in entries {
                out.push_str(&format!("{key}={value}\n"));
            }
        }
        out
    }
}

/// A duration as systemd reads it, exactly: `10s`, or `1500ms`.
pub fn span(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Literal text inside a command-line word: `$` and `%` doubled (systemd expands `$NAME` and
/// `%x` specifiers), `\` and `"` escaped, a newline as `\n` (the word is always quoted when it
/// holds any of these).
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// One word of a command line, from its raw text and its escaped form: quoted when the raw
/// text is empty or holds whitespace, quotes, a backslash or `;`.
pub fn word(raw: &str, escaped: String) -> String {
    let plain = !raw.is_empty()
        && !raw
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
    if plain {
        escaped
    } else {
        format!("\"{escaped}\"")
    }
}

/// A command line of literal words.
pub fn command_line(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| word(w, literal(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One `Environment=` value: `"KEY=value"`, quoted, with `%` doubled.
pub fn assignment(key: &str, value: &str) -> String {
    let mut text = String::new();
    for c in format!("{key}={value}").chars() {
        match c {
            '%' => text.push_str("%%"),
            '\\' => text.push_str("\\\\"),
            '"' => text.push_str("\\\""),
            '\n' => text.push_str("\\n"),
            c => text.push(c),
        }
    }
    format!("\"{text}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_exact() {
        assert_eq!(span(Duration::from_secs(10)), "10s");
        assert_eq!(span(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn words_are_escaped_and_quoted_when_needed() {
        assert_eq!(
            command_line(&["/bin/sh", "-c", "echo $HOME 100% \"x\""]),
            "/bin/sh -c \"echo $$HOME 100%% \\\"x\\\"\""
        );
        assert_eq!(command_line(&["a", ""]), "a \"\"");
        assert_eq!(assignment("A", "x y%"), "\"A=x y%%\"");
    }

    #[test]
    fn sections_keep_their_order() {
        let mut unit = Unit::default();
        unit.set("Unit", "Description", "d");
        unit.set("Service", "Type", "exec");
        unit.set("Unit", "After", "b.service");
        unit.set_list("Unit", "Wants", &[]);
        assert_eq!(
            unit.render("h"),
            "# h\n[Unit]\nDescription=d\nAfter=b.service\n\n[Service]\nType=exec\n"
        );
    }
}
