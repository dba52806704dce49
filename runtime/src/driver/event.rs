//! What the driver's tasks report to the loop, and the tasks that only watch.

use super::Driver;
use super::control::ControlRequest;
use crate::output::lines::{LineSplitter, PARTIAL_IDLE};
use coord_core::{
    ExitStatus, Generation, Input, ProbeOutcome, ProbePurpose, ProbeSeq, ServiceId, Timestamp,
};
use futures_lite::{AsyncBufReadExt, AsyncRead, StreamExt};

/// An event for the loop.
#[derive(Debug)]
pub enum Event {
    /// A generation's process ended.
    Exited {
        /// The service.
        service: ServiceId,
        /// The generation.
        generation: Generation,
        /// How.
        status: ExitStatus,
    },
    /// A line the service wrote on stdout or stderr.
    Line {
        /// The service.
        service: ServiceId,
        /// The generation that wrote it.
        generation: Generation,
        /// The text, without the newline.
        text: String,
    },
    /// A probe finished.
    Probed {
        /// The service.
        service: ServiceId,
        /// The generation probed.
        generation: Generation,
        /// Readiness or liveness.
        purpose: ProbePurpose,
        /// The probe's number.
        seq: ProbeSeq,
        /// What it found.
        outcome: ProbeOutcome,
    },
    /// The generation sent `READY=1` on its notify socket.
    Notified {
        /// The service.
        service: ServiceId,
        /// The generation.
        generation: Generation,
    },
    /// SIGINT, SIGTERM or SIGHUP reached coord.
    Interrupt,
    /// A request on the control socket.
    Control(ControlRequest),
    /// A file the service watches changed ([`crate::watch`]).
    FilesChanged {
        /// The service.
        service: ServiceId,
        /// The changed path, relative to the watched path.
        path: String,
    },
}

/// Forwards SIGINT, SIGTERM and SIGHUP (the terminal went away) to the loop as
/// [`Event::Interrupt`]. Catching them suppresses their default action: coord then ends on its
/// own, after an ordered stop.
pub fn forward_signals(
    executor: &smol::LocalExecutor<'static>,
    events: async_channel::Sender<Event>,
) -> std::io::Result<()> {
    let mut signals = async_signal::Signals::new([
        async_signal::Signal::Int,
        async_signal::Signal::Term,
        async_signal::Signal::Hup,
    ])?;
    executor
        .spawn(async move {
            while let Some(Ok(_)) = signals.next().await {
                if events.send(Event::Interrupt).await.is_err() {
                    break;
                }
            }
        })
        .detach();
    Ok(())
}

/// Reads `stream` line by line (lossy UTF-8, lines cut at 64 KiB, `\r` ends a line too, see
/// [`LineSplitter`]) and forwards each line; part of a line is forwarded as it is after
/// [`PARTIAL_IDLE`] without output (its rest then comes as a line of its own). Sending waits while the loop is behind (the events
/// channel is bounded), and reading waits with it: a service that writes faster than coord
/// handles its lines blocks in its own write, coord's memory does not grow.
pub async fn forward_lines(
    stream: impl AsyncRead + Unpin,
    service: ServiceId,
    generation: Generation,
    events: async_channel::Sender<Event>,
) {
    let mut reader = futures_lite::io::BufReader::new(stream);
    let mut splitter = LineSplitter::new();
    loop {
        // Part of a line waiting for its break is shown after a short idle (a prompt).
        let read = if splitter.has_partial() {
            futures_lite::future::or(async { Some(reader.fill_buf().await) }, async {
                async_io::Timer::after(PARTIAL_IDLE).await;
                None
            })
            .await
        } else {
            Some(reader.fill_buf().await)
        };
        let Some(read) = read else {
            if let Some(text) = splitter.flush_partial()
                && events
                    .send(line_event(service, generation, text))
                    .await
                    .is_err()
            {
                break;
            }
            continue;
        };
        let line = match read {
            Ok([]) | Err(_) => match splitter.finish() {
                Some(last) => {
                    let _ = events.send(line_event(service, generation, last)).await;
                    break;
                }
                None => break,
            },
            Ok(bytes) => {
                let fed = splitter.feed(bytes);
                reader.consume(fed.used);
                fed.line
            }
        };
        if let Some(text) = line
            && events
                .send(line_event(service, generation, text))
                .await
                .is_err()
        {
            break;
        }
    }
}

fn line_event(service: ServiceId, generation: Generation, text: String) -> Event {
    Event::Line {
        service,
        generation,
        text,
    }
}

impl Driver {
    /// Turns one event into inputs (or local bookkeeping).
    pub(super) fn handle_event(&mut self, now: Timestamp, event: Event) {
        match event {
            Event::Exited {
                service,
                generation,
                status,
            } => {
                self.live.remove(&(service, generation));
                self.registry_dirty = true;
                self.coordinator.handle_input(
                    now,
                    Input::Exited {
                        service,
                        generation,
                        status,
                    },
                );
            }
            Event::Line {
                service,
                generation,
                text,
            } => {
                let rt = &mut self.services[service];
                if rt.ready_log.as_ref().is_some_and(|re| re.is_match(&text)) {
                    rt.ready_log_seen = Some(generation);
                }
                if rt.live_log.as_ref().is_some_and(|re| re.is_match(&text)) {
                    rt.live_log_seen = Some(generation);
                }
                if self.subscribers.want_logs() {
                    let name = self.coordinator.stack().services[service].name.clone();
                    let line = text.clone();
                    self.publish(Some(service), || crate::protocol::StreamEvent::Log {
                        service: name,
                        line,
                    });
                }
                if let Some(view) = &self.view {
                    view.line(service, &text);
                }
                self.output.line(service, &text);
            }
            Event::Probed {
                service,
                generation,
                purpose,
                seq,
                outcome,
            } => {
                // A verdict is told when it changes (the first of a generation, then each flip
                // between passed and failed), not on every probe of a startup poll.
                let passed = outcome == ProbeOutcome::Success;
                let changed = self
                    .probe_verdicts
                    .insert((service, purpose), (generation, passed))
                    != Some((generation, passed));
                if changed && !self.subscribers.is_empty() {
                    let event = crate::protocol::StreamEvent::Probe {
                        service: self.coordinator.stack().services[service].name.clone(),
                        purpose: match purpose {
                            ProbePurpose::Readiness => "readiness".into(),
                            ProbePurpose::Liveness => "liveness".into(),
                        },
                        passed,
                        detail: outcome.detail().to_owned(),
                    };
                    self.publish(Some(service), || event);
                }
                if let ProbeOutcome::Outsider(why) | ProbeOutcome::Unattributable(why) = &outcome {
                    let name = &self.coordinator.stack().services[service].name;
                    tracing::info!("{name}: {why}");
                }
                self.coordinator.handle_input(
                    now,
                    Input::ProbeResult {
                        service,
                        generation,
                        purpose,
                        seq,
                        outcome,
                    },
                );
            }
            Event::Notified {
                service,
                generation,
            } => self.services[service].notified = Some(generation),
            Event::Interrupt => {
                let _ = self.end_view();
                self.coordinator.handle_input(now, Input::Interrupt);
                if self.coordinator.is_forced() {
                    tracing::warn!("interrupted again: killing every process now");
                } else {
                    tracing::warn!(
                        "interrupted: stopping the stack in reverse order (interrupt again to kill everything now)"
                    );
                }
            }
            Event::Control(request) => self.handle_control(now, request),
            Event::FilesChanged { service, path } => self
                .coordinator
                .handle_input(now, Input::FilesChanged { service, path }),
        }
    }
}
