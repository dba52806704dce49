//! Executing `Probe`: log and notify probes are answered from what the attempt did; tcp, http
//! and exec probes run as tasks that report back.

use super::Driver;
use super::event::Event;
use crate::probe;
use coord_core::stack::ProbeCheck;
use coord_core::{Generation, Input, ProbeOutcome, ProbePurpose, ProbeSeq, ServiceId};

impl Driver {
    /// `Probe`: log and notify probes are answered at once; the others run as tasks.
    pub(super) fn probe(
        &mut self,
        service: ServiceId,
        generation: Generation,
        purpose: ProbePurpose,
        seq: ProbeSeq,
    ) {
        let spec = &self.coordinator.stack().services[service];
        let probe = match purpose {
            ProbePurpose::Readiness => spec.ready.clone(),
            ProbePurpose::Liveness => spec.live.clone(),
        };
        let rt = &self.services[service];
        let pgid = self.live.get(&(service, generation)).map(|l| l.pid);
        let answer = |outcome| Input::ProbeResult {
            service,
            generation,
            purpose,
            seq,
            outcome,
        };
        let Some(probe) = probe else {
            // No probe configured (the parser fills in tcp for services with a port).
            self.immediate.push_back(answer(ProbeOutcome::Success));
            return;
        };
        let Some(pgid) = pgid else {
            self.immediate.push_back(answer(ProbeOutcome::Failure(
                "the process is not running".into(),
            )));
            return;
        };
        let port = rt.port;
        let no_port = || ProbeOutcome::Failure("the service has no port to probe".into());
        let timeout = probe.timeout;
        let events = self.events.clone();
        let task: std::pin::Pin<Box<dyn std::future::Future<Output = ProbeOutcome>>> =
            match probe.check {
                ProbeCheck::Log { pattern } => {
                    let seen = match purpose {
                        ProbePurpose::Readiness => rt.ready_log_seen,
                        ProbePurpose::Liveness => rt.live_log_seen,
                    };
                    let outcome = if seen == Some(generation) {
                        ProbeOutcome::Success
                    } else {
                        ProbeOutcome::Failure(format!("no output line matched /{pattern}/ yet"))
                    };
                    self.immediate.push_back(answer(outcome));
                    return;
                }
                ProbeCheck::Notify => {
                    let outcome = if rt.notified == Some(generation) {
                        ProbeOutcome::Success
                    } else {
                        ProbeOutcome::Failure("no READY=1 on $NOTIFY_SOCKET yet".into())
                    };
                    self.immediate.push_back(answer(outcome));
                    return;
                }
                ProbeCheck::Tcp => match port {
                    Some(port) => Box::pin(probe::tcp::probe(pgid, port, timeout)),
                    None => Box::pin(async move { no_port() }),
                },
                ProbeCheck::Http { path, .. } => {
                    let body = match purpose {
                        ProbePurpose::Readiness => rt.ready_body.clone(),
                        ProbePurpose::Liveness => rt.live_body.clone(),
                    };
                    match port {
                        Some(port) => Box::pin(async move {
                            probe::http::probe(pgid, port, &path, body.as_deref(), timeout).await
                        }),
                        None => Box::pin(async move { no_port() }),
                    }
                }
                ProbeCheck::Exec { command } => {
                    let launcher = self.launcher.clone();
                    let cwd = self.cwd_of(service);
                    let env = rt.env.clone();
                    // The exec probe enforces its own timeout (it must kill its process group).
                    let probe_task = async move {
                        probe::exec::probe(&launcher, &command, &cwd, env, timeout).await
                    };
                    self.executor
                        .spawn(report(
                            events,
                            (service, generation, purpose, seq),
                            probe_task,
                        ))
                        .detach();
                    return;
                }
            };
        // tcp and http time their exchange themselves, not the attribution that follows it.
        self.executor
            .spawn(report(events, (service, generation, purpose, seq), task))
            .detach();
    }
}

/// Runs a probe and sends its outcome to the loop, naming the probe it answers.
async fn report(
    events: async_channel::Sender<Event>,
    (service, generation, purpose, seq): (ServiceId, Generation, ProbePurpose, ProbeSeq),
    probe: impl std::future::Future<Output = ProbeOutcome>,
) {
    let began = std::time::Instant::now();
    let outcome = probe.await;
    tracing::debug!(
        "probe of service #{service} gen {generation} ({purpose:?}) took {:?}: {outcome:?}",
        began.elapsed()
    );
    let _ = events
        .send(Event::Probed {
            service,
            generation,
            purpose,
            seq,
            outcome,
        })
        .await;
}
