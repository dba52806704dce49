//! Process keys of recent process-compose releases that coord does not translate: each is a
//! note saying what coord does instead, rather than "unknown key".

use super::Translator;
use crate::stack::formats::yaml_tree::YNode;
use crate::stack::tree::Spanned;

/// Notes the process key `name` (at `k`, valued `v`) if it is one of process-compose's recent
/// keys; `false` for any other key.
pub(super) fn process_key(
    t: &mut Translator<'_>,
    k: &Spanned<String>,
    v: &YNode,
    name: &str,
) -> bool {
    let at = k.span();
    let set = v.as_bool() == Some(true);
    match name {
        "watch" => t.note(&at, "process-compose's `watch` is not translated", "add coord's own `watch = { paths = [...], include = [...], exclude = [...], debounce = \"300ms\", cascade = true }` to the service in coord.toml (one include/exclude list for all its paths)"),
        "schedule" => t.note(&at, "`schedule` cannot be honoured: coord does not run processes on a schedule", "run `coord start NAME` from cron or a systemd timer, and mark the process `disabled: true`"),
        "success_exit_codes" => t.note(&at, "`success_exit_codes` cannot be honoured: coord counts exit code 0 alone as success", "make the command exit 0 for the codes that mean success (for example `./job || [ $? -eq 130 ]`)"),
        "is_dotenv_disabled" if set => t.note(&at, "`is_dotenv_disabled` cannot be honoured per process: coord loads the `.env` beside the file for every service", "move what the other processes need from `.env` into their `environment`"),
        "is_disabled" => t.note(&at, "`is_disabled` (an expression) is dropped: coord reads `disabled` only", "write `disabled: true` for a process that must not start by itself"),
        "mcp" => t.note(&at, "`mcp` is dropped: coord has no MCP server", "run the process as a plain service"),
        "truncate_log" | "monitor_for" | "monitor_silence_threshold" => t.note(&at, format!("`{name}` is dropped: coord has no TUI and keeps the service's output itself"), "read it with `coord events NAME --logs`"),
        "is_dotenv_disabled" => {}
        _ => return false,
    }
    true
}
