//! Executing the coordinator's commands.

use super::Driver;
use crate::process::{platform_signal, signal_group};
use crate::protocol::StreamEvent;
use coord_core::Action;

impl Driver {
    /// Executes one command. Answers that are known at once go to `self.immediate`.
    pub(super) fn execute(&mut self, command: Action) {
        match command {
            Action::Spawn {
                service,
                generation,
                port,
                env,
            } => {
                if let (Some(port), Some(view)) = (port, &self.view) {
                    view.port(service, port);
                }
                if let Some(port) = port {
                    let name = self.coordinator.stack().services[service].name.clone();
                    self.publish(Some(service), || StreamEvent::Port {
                        service: name,
                        port,
                    });
                }
                self.spawn(service, generation, port, env)
            }
            Action::Probe {
                service,
                generation,
                purpose,
                seq,
            } => self.probe(service, generation, purpose, seq),
            Action::Signal {
                service,
                generation,
                signal,
            } => {
                if let Some(live) = self.live.get_mut(&(service, generation)) {
                    let name = &self.coordinator.stack().services[service].name;
                    if signal == coord_core::stack::StopSignal::Kill {
                        // Not SIGKILL to the group: the shim would die with it and could not
                        // kill descendants that left the group. Cutting its lifeline makes it
                        // SIGKILL the whole tree and group, itself last.
                        tracing::debug!("{name}: killing process group {}", live.pid);
                        if let Some(lifeline) = live.lifeline.take() {
                            crate::process::cut_lifeline(&lifeline);
                        }
                    } else {
                        tracing::debug!("{name}: sending SIG{signal:?} to group {}", live.pid);
                        if let Err(e) = signal_group(live.pid, platform_signal(signal)) {
                            tracing::warn!("{name}: cannot signal group {}: {e}", live.pid);
                        }
                    }
                }
            }
            Action::StopCommand {
                service,
                generation,
            } => {
                if let Some(live) = self.live.get(&(service, generation)) {
                    let name = &self.coordinator.stack().services[service].name;
                    tracing::info!("{name}: running its stop_command");
                    if let Some(lifeline) = &live.lifeline
                        && let Err(e) = crate::process::request_stop_command(lifeline)
                    {
                        tracing::warn!(
                            "{name}: cannot ask its shim to run the stop_command ({e}); SIGKILL follows after the grace"
                        );
                    }
                }
            }
            Action::ReleasePort {
                service,
                generation,
                port,
            } => self.locks.release(port, (service, generation)),
            Action::Transition(t) => {
                self.registry_dirty = true;
                let now_unix = crate::registry::unix_ms();
                match &t.to {
                    coord_core::ServiceState::Starting => {}
                    coord_core::ServiceState::Ready | coord_core::ServiceState::Completed => {
                        self.ready_unix_ms[t.service] = Some(now_unix);
                    }
                    _ => {}
                }
                self.publish(Some(t.service), || StreamEvent::Transition {
                    service: t.name.clone(),
                    from: t.from.name().into(),
                    to: t.to.name().into(),
                    reason: match &t.to {
                        coord_core::ServiceState::Failed(r)
                        | coord_core::ServiceState::Skipped(r)
                            if t.reason.is_empty() =>
                        {
                            r.clone()
                        }
                        _ => t.reason.clone(),
                    },
                });
                let line = transition_line(&t);
                if let Some(view) = &self.view {
                    view.state(t.service, &t.to);
                }
                match &t.to {
                    coord_core::ServiceState::Failed(_) => tracing::warn!("{line}"),
                    // The live view shows the state instead.
                    _ if self.view.is_some() => tracing::debug!("{line}"),
                    _ => tracing::info!("{line}"),
                }
            }
            Action::Backoff(notice) => {
                let message = notice.to_string();
                tracing::info!("{message}");
                self.publish(Some(notice.service), || StreamEvent::Backoff {
                    service: notice.name.clone(),
                    of_kind: match notice.kind {
                        coord_core::BackoffKind::Retry => "retry".into(),
                        coord_core::BackoffKind::Restart => "restart".into(),
                    },
                    delay_ms: notice.delay_ms,
                    number: notice.number,
                    of: notice.of,
                    message,
                });
            }
            Action::StartupFinished(summary) => {
                let viewed = self.end_view();
                self.write_registry_now();
                self.publish(None, || StreamEvent::Startup {
                    summary: summary.to_string(),
                    failed: summary.run_failed,
                });
                if summary.run_failed {
                    tracing::error!("startup failed: {summary}");
                } else {
                    tracing::info!("{summary}");
                }
                if viewed {
                    tracing::info!(
                        "the services' output during startup is in {}/",
                        self.paths.logs_dir().display()
                    );
                }
            }
            Action::Finished(outcome) => {
                self.publish(None, || {
                    let reason = match &outcome {
                        coord_core::RunOutcome::Failed(why) => Some(why.clone()),
                        coord_core::RunOutcome::TaskEnded { task, code } => {
                            Some(format!("{task} ended with code {code}"))
                        }
                        _ => None,
                    };
                    StreamEvent::RunEnd {
                        outcome: outcome.name().into(),
                        reason,
                    }
                });
                let _ = self.end_view();
                self.outcome = Some(outcome)
            }
        }
    }
}

/// `auth: starting -> ready (readiness probe passed)`; a final state's own reason is shown once.
pub fn transition_line(t: &coord_core::Transition) -> String {
    let own_reason = match &t.to {
        coord_core::ServiceState::Failed(r) | coord_core::ServiceState::Skipped(r) => Some(r),
        _ => None,
    };
    match own_reason {
        Some(r) if *r != t.reason && !t.reason.is_empty() => format!(
            "{}: {} -> {} ({r}; {})",
            t.name,
            t.from.name(),
            t.to.name(),
            t.reason
        ),
        _ => format!(
            "{}: {} -> {} ({})",
            t.name,
            t.from.name(),
            t.to.name(),
            own_reason.unwrap_or(&t.reason)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coord_core::{ServiceId, ServiceState, Timestamp, Transition};

    fn t(from: ServiceState, to: ServiceState, reason: &str) -> Transition {
        Transition {
            at: Timestamp::ZERO,
            service: ServiceId::from_index(0),
            name: "api".into(),
            from,
            to,
            reason: reason.into(),
        }
    }

    #[test]
    fn transition_lines_show_each_reason_once() {
        assert_eq!(
            transition_line(&t(
                ServiceState::Starting,
                ServiceState::Ready,
                "probe passed"
            )),
            "api: starting -> ready (probe passed)"
        );
        let why = "exited with code 2 before ready";
        assert_eq!(
            transition_line(&t(
                ServiceState::Starting,
                ServiceState::Failed(why.into()),
                why
            )),
            format!("api: starting -> failed ({why})")
        );
        assert_eq!(
            transition_line(&t(
                ServiceState::Waiting,
                ServiceState::Skipped("dependency db failed".into()),
                "cascade"
            )),
            "api: waiting -> skipped (dependency db failed; cascade)"
        );
    }
}
