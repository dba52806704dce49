//! `coord start NAME`: asks the running coord to start one service (a stopped one, or one with
//! `autostart = false`) with what it pulls in; the core decides and answers.

use crate::cli::Failure;
use crate::protocol::Request;
use std::path::Path;

/// `coord start NAME`: prints the core's answer (`starting worker (and db)`); exit 0 when
/// accepted, 1 when refused (with the reason) or when no coord runs the stack, 2 for a name the
/// stack does not have.
pub fn start(file: &Path, name: &str) -> Result<i32, Failure> {
    let request = Request::Start {
        service: name.into(),
    };
    crate::client::operator_request(file, "start", name, &request)
}
