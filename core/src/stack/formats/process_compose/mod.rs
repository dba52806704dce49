//! process-compose.yaml text -> raw tree (in coord.toml's shape), field by field as
//! process-compose defines them (its Go types `ProcessConfig`, `Project`, `health.Probe` and its
//! JSON schema are the reference), plus a note for every field translated approximately or
//! dropped, located at its line:column.
//!
//! The mapping, in short (the README's "Switching from process-compose" has the full table):
//! - every process becomes a service, in file order; `disabled: true` -> `autostart = false`;
//!   `replicas: N` becomes N services `NAME-0`.. (process-compose's names);
//! - `command` runs through the file's `shell` (`bash -c` by default), as an argv
//!   `[shell_command, shell_argument, command]`; `entrypoint` is the argv when there is no
//!   `command` (process-compose prefers `command` when both are set);
//! - Go templates are rendered in the fields process-compose renders, with `vars` and
//!   `PC_REPLICA_NUM` (see [`template`]); `is_template_disabled: true` turns that off;
//! - `environment` (global, then the process's: the process wins) becomes `env`;
//! - `depends_on` conditions: `process_healthy`, `process_log_ready` and
//!   `process_completed_successfully` -> `required`; `process_completed` (any exit code) ->
//!   `optional` on a task (the dependent starts once the task is done or has finally failed);
//!   `process_started` -> `started` (the dependent waits for the dependency's process to run,
//!   not for its readiness). An entry without `condition` is `process_completed`, as
//!   process-compose's code reads it (its documentation says `process_started`: a note says so).
//!   A dependency of a `process_completed*` edge becomes a `kind = "task"`;
//! - `readiness_probe` -> `ready`, `liveness_probe` -> `live` (exec, or http_get on the probe's
//!   port, which becomes the service's fixed `port`), else `ready_log_line` -> `ready.log` (the
//!   substring, regex-escaped);
//! - `availability` -> `restart`; `shutdown.signal`/`command`/`timeout_seconds` ->
//!   `stop_signal`/`stop_command`/`stop_grace`.

pub(crate) mod merge;
mod newer;
mod probe;
pub(crate) mod template;

use super::yaml_tree::{self, YNode, YValue};
use crate::stack::diagnostics::Diagnostics;
use crate::stack::tree::{RawNode, Spanned};
use crate::stack::{ConfigErrors, ConfigWarning, Sources};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use template::{Value, Vars};

/// A process-compose file read into coord's shape, with what did not carry over exactly.
pub(crate) struct Translated {
    /// The raw tree, in coord.toml's shape.
    pub root: RawNode,
    /// One note per field translated approximately or dropped, in file order.
    pub notes: Vec<ConfigWarning>,
    /// `(service, description)` for the processes with a `description`.
    pub descriptions: Vec<(String, String)>,
}

/// Reads a process-compose file; errors stop the load (exit 2), notes do not.
pub(crate) fn parse(file: &str, text: &str) -> Result<Translated, ConfigErrors> {
    let yaml = yaml_tree::parse(file, text)?;
    translate(&Sources::single(file, text), &yaml, Vec::new())
}

/// Translates a process-compose tree whose spans point into `sources` (one file, or several
/// merged by [`merge`]); `merge_notes` are the merge's own notes, reported with the others.
pub(crate) fn translate(
    sources: &Sources,
    yaml: &YNode,
    merge_notes: Vec<merge::MergeNote>,
) -> Result<Translated, ConfigErrors> {
    let mut t = Translator {
        d: Diagnostics::over(sources),
        notes: Vec::new(),
        descriptions: Vec::new(),
        shell: vec!["bash".into(), "-c".into()],
        vars: BTreeMap::new(),
        environment: Vec::new(),
        mute: false,
    };
    for (span, message, help) in merge_notes {
        t.note(&span, message, help);
    }
    let root = t.project(yaml, sources.text().len());
    if !t.d.is_empty() {
        return Err(t.d.into_errors());
    }
    let mut notes = t.notes;
    notes.sort_by_key(|n| (n.place.file, n.place.line, n.place.column));
    Ok(Translated {
        root,
        notes,
        descriptions: t.descriptions,
    })
}

/// A key of the output tree, located at `span` of the input.
pub(crate) fn key(span: &Range<usize>, name: &str) -> Spanned<String> {
    Spanned::new(span.clone(), name.to_string())
}

/// An output table entry `name = string`.
pub(crate) fn string_entry(
    span: &Range<usize>,
    name: &str,
    text: String,
) -> (Spanned<String>, RawNode) {
    (key(span, name), RawNode::string(span.clone(), text))
}

/// The translation state: errors, notes and the file-wide settings.
pub(crate) struct Translator<'t> {
    d: Diagnostics<'t>,
    notes: Vec<ConfigWarning>,
    descriptions: Vec<(String, String)>,
    /// `[shell_command, shell_argument]`.
    shell: Vec<String>,
    /// The file's `vars`.
    vars: Vars,
    /// The file's `environment`, `K=V` split.
    environment: Vec<(Spanned<String>, Spanned<String>)>,
    /// Set while the replicas after the first are translated: their errors and notes are the
    /// first one's.
    mute: bool,
}

/// What a process's templates are rendered with; `None` when it sets `is_template_disabled`.
pub(crate) type Data = Option<Vars>;

/// One `depends_on` edge as written.
struct Edge {
    dependency: Spanned<String>,
    condition: Spanned<String>,
    /// Written without `condition` (the note about it is given already).
    defaulted: bool,
}

/// A process of the file, after the first pass.
struct Process<'y> {
    name: Spanned<String>,
    node: &'y YNode,
    disabled: bool,
    replicas: usize,
    edges: Vec<Edge>,
}

impl<'t> Translator<'t> {
    /// Records an error (the load fails).
    pub(crate) fn error(
        &mut self,
        span: &Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        if !self.mute {
            self.d.error(span.clone(), message, help);
        }
    }

    /// Records a note: a field translated approximately or dropped.
    pub(crate) fn note(
        &mut self,
        span: &Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        if self.mute {
            return;
        }
        let place = self.d.place(span.start);
        self.notes.push(ConfigWarning {
            file: self.d.file_name(place.file).to_string(),
            place,
            message: message.into(),
            help: help.into(),
        });
    }

    /// A scalar's text, or an error saying what was expected.
    pub(crate) fn text(&mut self, node: &YNode, what: &str) -> Option<String> {
        match node.scalar() {
            Some(t) => Some(t.to_string()),
            None => {
                self.error(
                    &node.span,
                    format!("{what} must be a string, not {}", node.kind_name()),
                    format!("write {what} as text"),
                );
                None
            }
        }
    }

    /// A scalar of a field process-compose renders as a Go template, rendered with `data`.
    pub(crate) fn rendered(&mut self, node: &YNode, what: &str, data: &Data) -> Option<String> {
        let text = self.text(node, what)?;
        self.render_at(&node.span, &text, data)
    }

    /// `text` (the value of the node at `span`) rendered with `data`; errors and keys without a
    /// value are located at their action in the file.
    pub(crate) fn render_at(
        &mut self,
        span: &Range<usize>,
        text: &str,
        data: &Data,
    ) -> Option<String> {
        let Some(vars) = data else {
            return Some(text.to_string());
        };
        match template::render(text, vars) {
            Ok(rendered) => {
                for (at, name) in rendered.no_value {
                    let place = self.locate(span, text, at);
                    self.note(&place, format!("`.{name}` is not in `vars`: process-compose renders `{}` there, and so does coord", template::NO_VALUE), format!("add `{name}: VALUE` under `vars:` (of the process or of the file)"));
                }
                Some(rendered.text)
            }
            Err(e) => {
                let place = self.locate(span, text, e.at);
                self.error(&place, e.message, e.help);
                None
            }
        }
    }

    /// Where the template action at byte `at` of `text` (the value of the node at `span`) is in
    /// the file: the same occurrence of the action's text in the node's source, else the node.
    fn locate(&self, span: &Range<usize>, text: &str, at: usize) -> Range<usize> {
        let piece = &text[at..];
        let end = piece.find("}}").map_or(piece.len(), |e| e + 2);
        let needle = &piece[..end];
        let nth = text[..at].matches(needle).count();
        self.d
            .source(span.clone())
            .and_then(|source| source.match_indices(needle).nth(nth))
            .map_or(span.clone(), |(i, _)| {
                span.start + i..span.start + i + needle.len()
            })
    }

    /// A scalar of a field process-compose does not render: kept as written, with a note when
    /// it looks like a template.
    pub(crate) fn literal(&mut self, node: &YNode, what: &str) -> Option<String> {
        let text = self.text(node, what)?;
        if text.contains("{{") {
            self.note(
                &node.span,
                format!(
                    "process-compose does not render templates in {what}: `{{{{` is kept as written"
                ),
                "write the value itself if a template was meant",
            );
        }
        Some(text)
    }

    /// A whole number, or an error.
    pub(crate) fn int(&mut self, node: &YNode, what: &str) -> Option<i64> {
        let n = node.as_int();
        if n.is_none() {
            self.error(
                &node.span,
                format!("{what} must be a whole number"),
                format!("write {what} as a number, such as `5`"),
            );
        }
        n
    }

    /// A boolean, or an error.
    pub(crate) fn bool(&mut self, node: &YNode, what: &str) -> Option<bool> {
        let b = node.as_bool();
        if b.is_none() {
            self.error(
                &node.span,
                format!("{what} must be `true` or `false`"),
                "write true or false, without quotes",
            );
        }
        b
    }

    fn mapping<'y>(&mut self, node: &'y YNode, what: &str) -> &'y [(Spanned<String>, YNode)] {
        if !matches!(node.value, YValue::Map(_)) && !node.is_null() {
            self.error(
                &node.span,
                format!("{what} must be a mapping, not {}", node.kind_name()),
                format!("write {what} as `key: value` lines, indented under it"),
            );
        }
        node.entries()
    }

    fn project(&mut self, yaml: &YNode, len: usize) -> RawNode {
        let whole = 0..len;
        if !matches!(yaml.value, YValue::Map(_)) {
            self.error(
                &yaml.span,
                "a process-compose file is a mapping with `processes:`",
                "start the file with `processes:` and one entry per process under it",
            );
            return RawNode::table(whole, Vec::new());
        }
        for (k, v) in yaml.entries() {
            let span = k.span();
            match k.get_ref().as_str() {
                "processes" => {}
                "version" | "is_strict" => {}
                "shell" => self.shell_config(v),
                "vars" => self.vars = self.var_map(v),
                "environment" => {
                    self.environment = self.env_list(v);
                    if let Some((_, value)) = self.environment.iter().find(|(_, v)| v.get_ref().contains("{{")) {
                        let at = value.span();
                        self.note(&at, "process-compose does not render templates in the file's `environment`: `{{` is kept as written", "move the variable under the process's own `environment:`, which is rendered");
                    }
                }
                "log_location" | "log_level" | "log_length" | "log_configuration" | "log_format" => self.note(&span, format!("`{}` is dropped: coord keeps its own logs", k.get_ref()), "read them with `coord events --logs` (or `coord events NAME --logs`)"),
                "is_tui_disabled" => self.note(&span, "`is_tui_disabled` is dropped: coord has no TUI", "coord prints services' output with a name prefix"),
                "disable_env_expansion" => self.note(&span, "`disable_env_expansion` is dropped: commands run through the shell, which expands `$VAR` itself", "quote the `$` for the shell (`\\$VAR`) where it must stay literal"),
                "ordered_shutdown" => self.note(&span, "`ordered_shutdown` is always on in coord", "coord stops services in reverse dependency order"),
                // Followed before the translation: the extended file is merged under this one.
                "extends" => {}
                "env_cmds" => self.note(&span, "`env_cmds` is dropped: coord does not run commands to compute variables", "write the values under `environment:`"),
                name if name.starts_with("x-") => {}
                name => self.note(&span, format!("unknown top-level key `{name}` is ignored"), "check its spelling against process-compose's schema"),
            }
        }
        let services = match yaml.get("processes") {
            Some(p) => self.processes(p),
            None => {
                self.error(&(0..0), "the file has no `processes:`", "add `processes:` with one entry per process, such as `web: { command: ./web }`");
                Vec::new()
            }
        };
        let services_span = yaml
            .get("processes")
            .map(|p| p.span.clone())
            .unwrap_or(0..0);
        // process-compose loads the `.env` of the directory it runs in when there is one (its
        // `--env` default); coord loads the one beside the file.
        let at = 0..0;
        let dot_env = RawNode::table(
            at.clone(),
            vec![
                string_entry(&at, "path", ".env".into()),
                (key(&at, "required"), RawNode::bool(at.clone(), false)),
            ],
        );
        RawNode::table(
            whole,
            vec![
                (
                    key(&at, "env_file"),
                    RawNode::array(at.clone(), vec![dot_env]),
                ),
                (
                    key(&services_span, "services"),
                    RawNode::table(services_span.clone(), services),
                ),
            ],
        )
    }

    /// A process's `env_file`: one path or a list of paths (relative to the file).
    fn env_file(&mut self, node: &YNode) -> Option<RawNode> {
        let items: Vec<&YNode> = match &node.value {
            YValue::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut paths = Vec::new();
        for item in items {
            let path = self.text(item, "an `env_file` path")?;
            paths.push(RawNode::string(item.span.clone(), path));
        }
        Some(RawNode::array(node.span.clone(), paths))
    }

    fn shell_config(&mut self, node: &YNode) {
        for (k, v) in self.mapping(node, "`shell`") {
            match k.get_ref().as_str() {
                "shell_command" => {
                    if let Some(s) = self.text(v, "`shell_command`") {
                        self.shell[0] = s;
                    }
                }
                "shell_argument" => {
                    if let Some(s) = self.text(v, "`shell_argument`") {
                        self.shell[1] = s;
                    }
                }
                "elevated_shell_command" | "elevated_shell_argument" => self.note(
                    &k.span(),
                    format!(
                        "`{}` is dropped: coord does not elevate processes",
                        k.get_ref()
                    ),
                    "run coord itself with the rights the process needs",
                ),
                other => self.note(
                    &k.span(),
                    format!("unknown `shell` key `{other}` is ignored"),
                    "process-compose knows shell_command and shell_argument",
                ),
            }
        }
    }

    /// `vars`, typed as process-compose's YAML reader types them (a null var is left out: Go
    /// prints it as `<no value>`, like a missing one).
    fn var_map(&mut self, node: &YNode) -> Vars {
        let mut vars = BTreeMap::new();
        for (k, v) in self.mapping(node, "`vars`") {
            let value = if let Some(b) = v.as_bool() {
                Value::Bool(b)
            } else if let (YValue::Scalar { text, plain: true }, Some(n)) = (&v.value, v.as_int()) {
                // A plain number (not `+1` or `007`, which Go reads differently).
                if n.to_string() == *text {
                    Value::Int(n)
                } else {
                    Value::Text(text.clone())
                }
            } else if let Some(t) = v.scalar() {
                Value::Text(t.to_string())
            } else if v.is_null() {
                continue;
            } else {
                self.error(
                    &v.span,
                    format!("the variable `{}` must be a single value", k.get_ref()),
                    "coord renders `{{.NAME}}` with text, numbers and booleans",
                );
                continue;
            };
            vars.insert(k.get_ref().clone(), value);
        }
        vars
    }

    /// `environment: ["K=V", ...]`.
    fn env_list(&mut self, node: &YNode) -> Vec<(Spanned<String>, Spanned<String>)> {
        let items = match &node.value {
            YValue::Seq(items) => items.as_slice(),
            _ if node.is_null() => &[],
            _ => {
                self.error(
                    &node.span,
                    "`environment` must be a list of `NAME=value` strings",
                    "write it as `environment:` followed by `  - \"NAME=value\"` lines",
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items {
            let Some(text) = self.text(item, "an `environment` entry") else {
                continue;
            };
            match text.split_once('=') {
                Some((name, value)) if !name.is_empty() => out.push((
                    Spanned::new(item.span.clone(), name.to_string()),
                    Spanned::new(item.span.clone(), value.to_string()),
                )),
                _ => self.error(
                    &item.span,
                    format!("`{text}` is not a `NAME=value` entry"),
                    "write each variable as \"NAME=value\"",
                ),
            }
        }
        out
    }

    fn processes(&mut self, node: &YNode) -> Vec<(Spanned<String>, RawNode)> {
        let mut processes = Vec::new();
        for (name, body) in self.mapping(node, "`processes`") {
            if !matches!(body.value, YValue::Map(_)) {
                self.error(
                    &body.span,
                    format!("the process `{}` must be a mapping", name.get_ref()),
                    "write its settings indented under it, such as `command: ./web`",
                );
                continue;
            }
            let disabled = match body.get("disabled") {
                Some(v) => self.bool(v, "`disabled`").unwrap_or(false),
                None => false,
            };
            let replicas = match body.get("replicas") {
                Some(v) => match self.int(v, "`replicas`") {
                    Some(n) if (1..=100).contains(&n) => n as usize,
                    Some(n) if n < 1 => {
                        self.note(
                            &v.span,
                            format!("`replicas: {n}` is read as 1, as process-compose does"),
                            "remove it or write a positive count",
                        );
                        1
                    }
                    Some(_) => {
                        self.error(
                            &v.span,
                            "`replicas` above 100",
                            "coord runs each replica as its own service: write at most 100",
                        );
                        1
                    }
                    None => 1,
                },
                None => 1,
            };
            let edges = self.edges(body);
            processes.push(Process {
                name: name.clone(),
                node: body,
                disabled,
                replicas,
                edges,
            });
        }
        if processes.is_empty() && self.d.is_empty() {
            self.error(
                &node.span,
                "`processes` has no entries",
                "add one entry per process, such as `web: { command: ./web }`",
            );
        }
        // Which processes are tasks: the dependencies of a `process_completed*` edge.
        let mut tasks = BTreeSet::new();
        let mut replicas: BTreeMap<String, usize> = BTreeMap::new();
        for p in &processes {
            replicas.insert(p.name.get_ref().clone(), p.replicas);
            for e in &p.edges {
                if e.condition.get_ref().starts_with("process_completed") {
                    tasks.insert(e.dependency.get_ref().clone());
                }
            }
        }
        let mut services = Vec::new();
        for p in &processes {
            if p.disabled {
                let span = p
                    .node
                    .get("disabled")
                    .map(|d| d.span.clone())
                    .unwrap_or(p.name.span());
                let name = p.name.get_ref();
                self.note(&span, format!("`{name}` is disabled: `autostart = false`, so `coord start {name}` starts it, but a dependent that needs it pulls it into the run (process-compose would not start it)"), "drop the dependency on it if it must stay off");
            }
            let facts = Facts {
                tasks: &tasks,
                replicas: &replicas,
            };
            services.extend(self.process(p, &facts));
        }
        services
    }

    /// The `depends_on` edges of a process, as written.
    fn edges(&mut self, body: &YNode) -> Vec<Edge> {
        let Some(deps) = body.get("depends_on") else {
            return Vec::new();
        };
        let mut edges = Vec::new();
        for (dep, spec) in self.mapping(deps, "`depends_on`") {
            let defaulted = spec.get("condition").is_none();
            let condition = match spec.get("condition") {
                Some(c) => match self.text(c, "`condition`") {
                    Some(text) => Spanned::new(c.span.clone(), text),
                    None => continue,
                },
                None => {
                    // process-compose's condition is an enum whose zero value is
                    // process_completed: that is what an entry without `condition` waits for.
                    let name = dep.get_ref();
                    self.note(&dep.span(), format!("`{name}` has no `condition`: process-compose's code reads it as process_completed (wait until `{name}` exits, with any exit code) while its documentation names process_started the default; coord follows the code and runs `{name}` as a task"), "write the condition you mean, such as `condition: process_healthy`");
                    Spanned::new(dep.span(), "process_completed".to_string())
                }
            };
            for (k, _) in spec.entries() {
                if k.get_ref() != "condition" && !k.get_ref().starts_with("x-") {
                    self.note(
                        &k.span(),
                        format!("`{}` in a dependency is ignored", k.get_ref()),
                        "process-compose's dependencies take only `condition`",
                    );
                }
            }
            edges.push(Edge {
                dependency: dep.clone(),
                condition,
                defaulted,
            });
        }
        edges
    }
}

/// What the second pass needs to know about all processes.
struct Facts<'a> {
    tasks: &'a BTreeSet<String>,
    replicas: &'a BTreeMap<String, usize>,
}

/// process-compose's replica name: `NAME-i`, `i` zero-padded to the width of the count.
fn replica_name(name: &str, index: usize, count: usize) -> String {
    if count <= 1 {
        return name.to_string();
    }
    let width = count.to_string().len();
    format!("{name}-{index:0width$}")
}

impl Translator<'_> {
    /// The service(s) of one process: one per replica, each rendered with its own
    /// `PC_REPLICA_NUM` (the errors and notes are the first replica's).
    fn process(&mut self, p: &Process<'_>, facts: &Facts<'_>) -> Vec<(Spanned<String>, RawNode)> {
        let mut services = Vec::new();
        let mut shared_port = false;
        for index in 0..p.replicas {
            self.mute = index > 0;
            let (service, has_port) = self.replica(p, facts, index);
            shared_port = has_port;
            services.push(service);
        }
        self.mute = false;
        if p.replicas > 1 && shared_port {
            let name = p.name.get_ref();
            self.note(&p.name.span(), format!("the {} replicas of `{name}` share one probe port", p.replicas), "give each replica its own port (for example from PC_REPLICA_NUM) and probe it, or run one replica");
        }
        services
    }

    /// What a process's templates are rendered with: the file's `vars`, the process's, and
    /// `PC_REPLICA_NUM`; nothing when the process sets `is_template_disabled: true`.
    fn data(&mut self, body: &YNode, index: usize) -> Data {
        let mut vars = self.vars.clone();
        if let Some(v) = body.get("vars") {
            vars.extend(self.var_map(v));
        }
        vars.insert("PC_REPLICA_NUM".into(), Value::Int(index as i64));
        let disabled = body
            .get("is_template_disabled")
            .is_some_and(|v| self.bool(v, "`is_template_disabled`") == Some(true));
        (!disabled).then_some(vars)
    }

    /// The service of replica `index` of a process, and whether it has a probe port.
    fn replica(
        &mut self,
        p: &Process<'_>,
        facts: &Facts<'_>,
        index: usize,
    ) -> ((Spanned<String>, RawNode), bool) {
        let name = p.name.get_ref().as_str();
        let body = p.node;
        let is_task = facts.tasks.contains(name);
        let data = self.data(body, index);
        let mut table: Vec<(Spanned<String>, RawNode)> = Vec::new();
        let span = p.name.span();
        if is_task {
            table.push(string_entry(&span, "kind", "task".into()));
        }
        if p.disabled {
            let at = body
                .get("disabled")
                .map_or(span.clone(), |d| d.span.clone());
            table.push((key(&at, "autostart"), RawNode::bool(at.clone(), false)));
        }
        if let Some(command) = self.command(p, &data) {
            table.push(command);
        }
        let mut port: Option<(Range<usize>, i64)> = None;
        let mut ready = None;
        let mut live = None;
        let mut restart = None;
        let mut stop = Vec::new();
        let mut working_dir = None;
        let mut env_file = None;
        // process-compose renders a process's own `environment`, not the file's.
        let mut env: Vec<(Spanned<String>, Spanned<String>)> = self.environment.clone();
        for (k, v) in body.entries() {
            let ks = k.span();
            match k.get_ref().as_str() {
                "command"
                | "entrypoint"
                | "depends_on"
                | "disabled"
                | "replicas"
                | "vars"
                | "is_template_disabled" => {}
                "working_dir" => {
                    working_dir = self
                        .rendered(v, "`working_dir`", &data)
                        .map(|w| (v.span.clone(), w))
                }
                "environment" => {
                    for (name, value) in self.env_list(v) {
                        let Some(rendered) = self.render_at(&value.span(), value.get_ref(), &data)
                        else {
                            continue;
                        };
                        env.retain(|(n, _)| n.get_ref() != name.get_ref());
                        env.push((name, Spanned::new(value.span(), rendered)));
                    }
                }
                "readiness_probe" => {
                    if is_task {
                        self.note(&ks, format!("`readiness_probe` of `{name}` is dropped: it is a task (a dependent waits for it to complete)"), "a task is done when it exits; drop the probe, or depend on it with process_healthy instead");
                    } else {
                        ready = self.probe(v, &data, &mut port, "ready");
                    }
                }
                "liveness_probe" => {
                    if is_task {
                        self.note(
                            &ks,
                            format!("`liveness_probe` of `{name}` is dropped: it is a task"),
                            "a task runs once; nothing keeps it alive",
                        );
                    } else {
                        live = self.probe(v, &data, &mut port, "live");
                    }
                }
                "ready_log_line" => {}
                "availability" => restart = self.availability(v, is_task, name),
                "shutdown" => stop = self.shutdown(v),
                "namespace" => self.note(
                    &ks,
                    "`namespace` is dropped: coord has one namespace per stack",
                    "`coord run NAME...` selects services by name",
                ),
                "description" => {}
                "is_daemon" => {
                    if v.as_bool() == Some(true) {
                        self.note(&ks, format!("`is_daemon` of `{name}` cannot be honoured: coord supervises foreground processes"), "run the program in the foreground instead (for example `postgres -D DATA` instead of `pg_ctl start`), then drop is_daemon");
                    }
                }
                "is_tty" | "is_foreground" | "is_interactive" => {
                    if v.as_bool() == Some(true) {
                        self.note(
                            &ks,
                            format!(
                                "`{}` cannot be honoured: coord runs services without a terminal",
                                k.get_ref()
                            ),
                            "run the interactive program in its own terminal, outside the stack",
                        );
                    }
                }
                "is_elevated" => {
                    if v.as_bool() == Some(true) {
                        self.note(
                            &ks,
                            "`is_elevated` cannot be honoured: coord does not elevate processes",
                            "run coord with the rights the process needs",
                        );
                    }
                }
                "log_location" | "log_configuration" | "disable_ansi_colors" => self.note(
                    &ks,
                    format!(
                        "`{}` is dropped: coord keeps the service's output itself",
                        k.get_ref()
                    ),
                    "read it with `coord events NAME --logs`",
                ),
                "launch_timeout_seconds" => self.note(
                    &ks,
                    "`launch_timeout_seconds` is dropped",
                    "set `readiness_timeout` in the coord.toml if the start needs a budget",
                ),
                "env_file" => env_file = self.env_file(v),
                other if newer::process_key(self, k, v, other) => {}
                other if other.starts_with("x-") => {}
                other => self.note(
                    &ks,
                    format!("unknown process key `{other}` is ignored"),
                    "check its spelling against process-compose's schema",
                ),
            }
        }
        if ready.is_none() && !is_task {
            if let Some(line) = body.get("ready_log_line")
                && let Some(text) = self.literal(line, "`ready_log_line`")
            {
                ready = Some(RawNode::table(
                    line.span.clone(),
                    vec![string_entry(&line.span, "log", regex_escape(&text))],
                ));
            }
        } else if let Some(line) = body.get("ready_log_line") {
            self.note(&line.span, format!("`ready_log_line` of `{name}` is dropped: coord's readiness is one check and the readiness_probe (or the task's exit) is used"), "keep the check dependents need: the probe, or the log line (remove the readiness_probe)");
        }
        if let Some((dir_span, dir)) = working_dir {
            table.push(string_entry(&dir_span, "working_dir", dir));
        }
        if let Some(files) = env_file {
            table.push((key(&files.span, "env_file"), files));
        }
        // The probe's port is the service's port: coord sets PORT itself then.
        if let Some((port_span, number)) = &port {
            let before = env.len();
            env.retain(|(n, v)| {
                !(n.get_ref() == "PORT" && v.get_ref().trim() == number.to_string())
            });
            if env.len() != before {
                self.note(port_span, "`PORT` in `environment` is dropped: the probe's port becomes the service's port, and coord sets PORT to it", "nothing to do");
            }
        }
        let mut env_entries: Vec<(Spanned<String>, RawNode)> = env
            .iter()
            .map(|(n, v)| (n.clone(), RawNode::string(v.span(), v.get_ref().clone())))
            .collect();
        if p.replicas > 1 {
            env_entries.push(string_entry(&span, "PC_REPLICA_NUM", index.to_string()));
        }
        if !env_entries.is_empty() {
            table.push((key(&span, "env"), RawNode::table(span.clone(), env_entries)));
        }
        if let Some((port_span, number)) = &port {
            table.push((
                key(port_span, "port"),
                RawNode::integer(port_span.clone(), *number),
            ));
        }
        if let Some(deps) = self.depends_on(p, facts) {
            table.push(deps);
        }
        if let Some(r) = ready {
            table.push((key(&r.span, "ready"), r));
        }
        if let Some(l) = live {
            table.push((key(&l.span, "live"), l));
        }
        if let Some(r) = restart {
            table.push((key(&span, "restart"), r));
        }
        table.extend(stop);
        let service_name = replica_name(name, index, p.replicas);
        if let Some(d) = body.get("description")
            && let Some(text) = self.rendered(d, "`description`", &data)
        {
            self.descriptions.push((service_name.clone(), text));
        }
        let service = (
            Spanned::new(span.clone(), service_name),
            RawNode::table(body.span.clone(), table),
        );
        (service, port.is_some())
    }

    /// `command` (through the shell) or `entrypoint` (an argv).
    fn command(&mut self, p: &Process<'_>, data: &Data) -> Option<(Spanned<String>, RawNode)> {
        let body = p.node;
        let command = body.get("command").filter(|c| !c.is_null());
        let entrypoint = body.get("entrypoint").filter(|c| !c.is_null());
        if let (Some(_), Some(e)) = (command, entrypoint) {
            self.note(&e.span, "`entrypoint` is dropped: `command` is set too, and process-compose uses `command` then", "remove one of them");
        }
        if let Some(c) = command {
            let text = self.rendered(c, "`command`", data)?;
            let mut argv: Vec<RawNode> = self
                .shell
                .iter()
                .map(|s| RawNode::string(c.span.clone(), s.clone()))
                .collect();
            argv.push(RawNode::string(c.span.clone(), text));
            return Some((
                key(&c.span, "command"),
                RawNode::array(c.span.clone(), argv),
            ));
        }
        if let Some(e) = entrypoint {
            let YValue::Seq(items) = &e.value else {
                self.error(
                    &e.span,
                    "`entrypoint` must be a list of strings",
                    "write it as `entrypoint: [\"program\", \"arg\"]`",
                );
                return None;
            };
            let mut argv = Vec::new();
            for item in items {
                argv.push(RawNode::string(
                    item.span.clone(),
                    self.literal(item, "`entrypoint`")?,
                ));
            }
            return Some((
                key(&e.span, "command"),
                RawNode::array(e.span.clone(), argv),
            ));
        }
        self.error(
            &p.name.span(),
            format!(
                "the process `{}` has neither `command` nor `entrypoint`",
                p.name.get_ref()
            ),
            "add `command: ...` (run by the file's shell)",
        );
        None
    }

    /// The `depends_on` table of a process's service(s).
    fn depends_on(
        &mut self,
        p: &Process<'_>,
        facts: &Facts<'_>,
    ) -> Option<(Spanned<String>, RawNode)> {
        let span = p.node.get("depends_on")?.span.clone();
        let mut entries = Vec::new();
        for e in &p.edges {
            let dep = e.dependency.get_ref();
            let cs = e.condition.span();
            let kind = match e.condition.get_ref().as_str() {
                "process_healthy" | "process_log_ready" | "process_completed_successfully" => {
                    "required"
                }
                "process_completed" => {
                    if !e.defaulted {
                        self.note(&cs, format!("`process_completed` on `{dep}`: coord runs it as a task and starts `{}` once it exited 0 or finally failed (after startup_retry_count retries)", p.name.get_ref()), "use process_completed_successfully if a failed run must stop the dependent");
                    }
                    "optional"
                }
                "process_started" => "started",
                other => {
                    self.error(&cs, format!("unknown dependency condition `{other}`"), "process-compose's conditions are process_started, process_healthy, process_log_ready, process_completed and process_completed_successfully");
                    continue;
                }
            };
            let count = facts.replicas.get(dep).copied().unwrap_or(1);
            for index in 0..count {
                entries.push(string_entry(
                    &e.dependency.span(),
                    &replica_name(dep, index, count),
                    kind.to_string(),
                ));
            }
        }
        if entries.is_empty() {
            return None;
        }
        Some((key(&span, "depends_on"), RawNode::table(span, entries)))
    }
}

/// `text` as a regex that matches it literally (process-compose's `ready_log_line` is a plain
/// substring; coord's `log` check is a regex).
pub(crate) fn regex_escape(text: &str) -> String {
    regex::escape(text)
}
