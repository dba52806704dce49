//! The subscribers of the event stream (`coord events`): each has a bounded queue of lines that
//! its connection's task writes out. The loop only ever `try_send`s: a subscriber whose queue
//! is full is dropped with a notice, so a client that reads slowly (or never) cannot slow coord.

use crate::protocol::{Reply, StreamEvent};
use coord_core::ServiceId;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// How many lines may wait for one subscriber before it is dropped.
pub const SUBSCRIBER_QUEUE: usize = 4096;

/// How long the end of the run waits for the subscribers' tasks to write their last lines.
const FLUSH_PATIENCE: Duration = Duration::from_secs(2);

/// The connection's end of a subscription.
#[derive(Debug)]
pub struct Subscription {
    /// The event lines, ready to write.
    pub lines: async_channel::Receiver<String>,
    /// Set when the loop dropped this subscriber for reading too slowly.
    pub dropped: Rc<Cell<bool>>,
    /// Held while the connection's task runs; its end tells the loop the task is done.
    pub done: async_channel::Sender<()>,
    /// The run's clock, for the time of the notice of a drop.
    pub clock: super::Clock,
}

#[derive(Debug)]
struct Subscriber {
    number: u64,
    /// Only these services (empty: all).
    services: Vec<ServiceId>,
    logs: bool,
    lines: async_channel::Sender<String>,
    dropped: Rc<Cell<bool>>,
    done: async_channel::Receiver<()>,
}

/// Every live subscription.
#[derive(Debug, Default)]
pub struct Subscribers {
    list: Vec<Subscriber>,
    count: u64,
}

impl Subscribers {
    /// A new subscriber to the events of `services` (empty: all), with output lines if `logs`.
    pub fn add(
        &mut self,
        services: Vec<ServiceId>,
        logs: bool,
        clock: super::Clock,
    ) -> Subscription {
        let (tx, rx) = async_channel::bounded(SUBSCRIBER_QUEUE);
        let (done_tx, done_rx) = async_channel::bounded(1);
        let dropped = Rc::new(Cell::new(false));
        self.count += 1;
        self.list.push(Subscriber {
            number: self.count,
            services,
            logs,
            lines: tx,
            dropped: dropped.clone(),
            done: done_rx,
        });
        Subscription {
            lines: rx,
            dropped,
            done: done_tx,
            clock,
        }
    }

    /// Whether anyone listens (so that events are only built when they are read).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether anyone wants the services' output lines.
    pub fn want_logs(&self) -> bool {
        self.list.iter().any(|s| s.logs)
    }

    /// Queues `event` for every subscriber it concerns; never waits.
    pub fn publish(
        &mut self,
        unix_ms: u64,
        run_ms: u64,
        service: Option<ServiceId>,
        event: StreamEvent,
    ) {
        if self.list.is_empty() {
            return;
        }
        let is_log = matches!(event, StreamEvent::Log { .. });
        let line = crate::protocol::to_line(&Reply::Event {
            unix_ms,
            run_ms,
            event,
        });
        let mut gone = Vec::new();
        for (i, sub) in self.list.iter().enumerate() {
            let concerned = match service {
                Some(id) => sub.services.is_empty() || sub.services.contains(&id),
                None => true,
            };
            if !concerned || (is_log && !sub.logs) {
                continue;
            }
            match sub.lines.try_send(line.clone()) {
                Ok(()) => {}
                Err(async_channel::TrySendError::Full(_)) => {
                    sub.dropped.set(true);
                    tracing::warn!(
                        "event subscriber #{} reads too slowly ({SUBSCRIBER_QUEUE} events waiting): dropped it",
                        sub.number
                    );
                    gone.push(i);
                }
                Err(async_channel::TrySendError::Closed(_)) => gone.push(i),
            }
        }
        // A dropped subscriber's task writes what it has and the notice when its client reads
        // again; nobody waits for it.
        for i in gone.into_iter().rev() {
            self.list.remove(i).lines.close();
        }
    }

    /// Ends every subscription (after the run's last event) and waits a little for the
    /// connections' tasks to write what is queued (a dropped subscriber is not waited for).
    pub async fn finish(&mut self) {
        let mut tasks = Vec::new();
        for sub in self.list.drain(..) {
            sub.lines.close();
            tasks.push(sub.done);
        }
        futures_lite::future::or(
            async {
                for done in tasks {
                    let _ = done.recv().await;
                }
            },
            async {
                async_io::Timer::after(FLUSH_PATIENCE).await;
            },
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(index: usize) -> ServiceId {
        ServiceId::from_index(index)
    }

    fn port(service: &str) -> StreamEvent {
        StreamEvent::Port {
            service: service.into(),
            port: 1,
        }
    }

    #[test]
    fn a_full_queue_drops_the_subscriber_without_waiting() {
        let mut subs = Subscribers::default();
        let slow = subs.add(vec![], false, super::super::Clock::start());
        let fast = subs.add(vec![], false, super::super::Clock::start());
        for _ in 0..SUBSCRIBER_QUEUE {
            subs.publish(0, 0, Some(s(0)), port("a"));
            assert!(fast.lines.try_recv().is_ok());
        }
        assert!(!slow.dropped.get());
        subs.publish(0, 0, Some(s(0)), port("a"));
        assert!(slow.dropped.get(), "the slow one is dropped");
        assert!(!fast.dropped.get());
        assert!(
            fast.lines.try_recv().is_ok(),
            "the fast one still gets events"
        );
        // The slow one's queue still holds what it had, then ends.
        assert_eq!(slow.lines.len(), SUBSCRIBER_QUEUE);
        assert!(slow.lines.is_closed());
        assert_eq!(subs.list.len(), 1);
    }

    #[test]
    fn events_are_filtered_by_service_and_logs() {
        let mut subs = Subscribers::default();
        let only_b = subs.add(vec![s(1)], false, super::super::Clock::start());
        let logs = subs.add(vec![], true, super::super::Clock::start());
        subs.publish(0, 0, Some(s(0)), port("a"));
        subs.publish(0, 0, Some(s(1)), port("b"));
        subs.publish(
            0,
            0,
            Some(s(1)),
            StreamEvent::Log {
                service: "b".into(),
                line: "hi".into(),
            },
        );
        subs.publish(
            0,
            0,
            None,
            StreamEvent::Startup {
                summary: "2/2 ready".into(),
                failed: false,
            },
        );
        let read = |s: &Subscription| -> Vec<String> {
            std::iter::from_fn(|| s.lines.try_recv().ok()).collect()
        };
        let b = read(&only_b);
        assert_eq!(b.len(), 2, "{b:?}");
        assert!(b[0].contains("\"service\":\"b\"") && b[1].contains("startup"));
        assert_eq!(read(&logs).len(), 4);
    }

    #[test]
    fn a_closed_connection_is_forgotten() {
        let mut subs = Subscribers::default();
        let gone = subs.add(vec![], false, super::super::Clock::start());
        drop(gone);
        subs.publish(0, 0, None, port("a"));
        assert!(subs.is_empty());
    }
}
