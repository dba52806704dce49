//! Tests of [`PortLedger`]: the documented behaviour case by case, then a long pseudo-random run
//! against a naive model with the invariants checked after every operation.

use super::{Holder, PortLedger, ReserveError};
use crate::stack::{PortRange, PortSpec, ServiceId};
use crate::time::Timestamp;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// Service `index` of the test.
fn s(index: usize) -> ServiceId {
    ServiceId::from_index(index)
}

fn range(start: u16, end: u16, preferred: Option<u16>) -> PortSpec {
    PortSpec::Allocated {
        preferred,
        range_name: "test".to_string(),
        range: PortRange { start, end },
    }
}

const T: Timestamp = Timestamp(1000);

#[test]
fn candidates_in_order_last_preferred_range() {
    let mut ledger = PortLedger::new();
    let spec = range(8000, 8010, Some(8005));
    assert_eq!(ledger.reserve(s(0), &spec, Some(8007), T), Ok(8007));
    assert_eq!(ledger.reserve(s(1), &spec, Some(8007), T), Ok(8005));
    assert_eq!(ledger.reserve(s(2), &spec, Some(8007), T), Ok(8000));
    assert_eq!(ledger.reserve(s(3), &spec, None, T), Ok(8001));
    assert_eq!(ledger.holder(8007), Some(Holder::Reserved(s(0), T)));
    assert_eq!(ledger.port_of(s(1)), Some(8005));
    assert_eq!(ledger.port_of(s(9)), None);
}

#[test]
fn preferred_may_lie_outside_the_range_but_last_must_fit_the_spec() {
    let mut ledger = PortLedger::new();
    let spec = range(8000, 8010, Some(9000));
    assert_eq!(ledger.reserve(s(0), &spec, None, T), Ok(9000));
    // 7000 is neither preferred nor in range: a stale memory, not a candidate.
    assert_eq!(ledger.reserve(s(1), &spec, Some(7000), T), Ok(8000));
    // A remembered port equal to the (taken) preferred one is skipped like it.
    assert_eq!(ledger.reserve(s(2), &spec, Some(9000), T), Ok(8001));
    assert_eq!(ledger.holder(7000), None);
}

#[test]
fn fixed_spec_has_only_its_port() {
    let mut ledger = PortLedger::new();
    assert_eq!(
        ledger.reserve(s(0), &PortSpec::Fixed(5432), Some(6000), T),
        Ok(5432)
    );
    assert_eq!(
        ledger.reserve(s(1), &PortSpec::Fixed(5432), Some(6000), T),
        Err(ReserveError::Exhausted)
    );
    assert_eq!(ledger.port_of(s(1)), None);
    assert_eq!(ledger.holder(6000), None);
}

#[test]
fn exhausted_range() {
    let mut ledger = PortLedger::new();
    let spec = range(3000, 3002, None);
    for service in 0..3 {
        assert_eq!(
            ledger.reserve(s(service), &spec, None, T),
            Ok(3000 + service as u16)
        );
    }
    assert_eq!(
        ledger.reserve(s(3), &spec, None, T),
        Err(ReserveError::Exhausted)
    );
    ledger.release(s(1));
    assert_eq!(ledger.reserve(s(3), &spec, None, T), Ok(3001));
}

#[test]
fn re_reserving_releases_the_old_port_and_may_get_it_back() {
    let mut ledger = PortLedger::new();
    let spec = range(8000, 8010, None);
    assert_eq!(ledger.reserve(s(0), &spec, None, T), Ok(8000));
    assert_eq!(ledger.reserve(s(0), &spec, None, Timestamp(2000)), Ok(8000));
    assert_eq!(
        ledger.holder(8000),
        Some(Holder::Reserved(s(0), Timestamp(2000)))
    );
    assert_eq!(ledger.next_deadline(), Some(Timestamp(2000)));
    // A fixed port it holds itself is not "taken by another".
    assert_eq!(
        ledger.reserve(s(0), &PortSpec::Fixed(8000), None, T),
        Ok(8000)
    );
    // Moving elsewhere frees the old port for others.
    assert_eq!(
        ledger.reserve(s(0), &PortSpec::Fixed(9000), None, T),
        Ok(9000)
    );
    assert_eq!(ledger.holder(8000), None);
    assert_eq!(ledger.reserve(s(1), &spec, None, T), Ok(8000));
    // A failed re-reservation still released the old port.
    assert_eq!(
        ledger.reserve(s(0), &PortSpec::Fixed(8000), None, T),
        Err(ReserveError::Exhausted)
    );
    assert_eq!(ledger.port_of(s(0)), None);
    assert_eq!(ledger.holder(9000), None);
    assert_eq!(ledger.next_deadline(), Some(T));
}

#[test]
fn confirm_stops_expiry_and_release_frees() {
    let mut ledger = PortLedger::new();
    let spec = range(8000, 8010, None);
    ledger.reserve(s(0), &spec, None, Timestamp(500)).unwrap();
    ledger.reserve(s(1), &spec, None, Timestamp(700)).unwrap();
    assert_eq!(ledger.next_deadline(), Some(Timestamp(500)));
    ledger.confirm(s(0));
    ledger.confirm(s(0));
    ledger.confirm(s(5));
    assert_eq!(ledger.holder(8000), Some(Holder::Confirmed(s(0))));
    assert_eq!(ledger.next_deadline(), Some(Timestamp(700)));
    assert_eq!(ledger.expire(Timestamp(10_000)), vec![(s(1), 8001)]);
    assert_eq!(ledger.next_deadline(), None);
    assert_eq!(ledger.port_of(s(0)), Some(8000));
    assert_eq!(ledger.release(s(0)), Some(8000));
    assert_eq!(ledger.release(s(0)), None);
    assert_eq!(ledger.release(s(42)), None);
    assert_eq!(ledger.holder(8000), None);
    assert_eq!(ledger.reserve(s(2), &spec, None, T), Ok(8000));
}

#[test]
fn expire_takes_deadlines_at_or_before_now_in_port_order() {
    let mut ledger = PortLedger::new();
    ledger
        .reserve(s(0), &PortSpec::Fixed(9003), None, Timestamp(100))
        .unwrap();
    ledger
        .reserve(s(1), &PortSpec::Fixed(9001), None, Timestamp(300))
        .unwrap();
    ledger
        .reserve(s(2), &PortSpec::Fixed(9002), None, Timestamp(200))
        .unwrap();
    ledger
        .reserve(s(3), &PortSpec::Fixed(9000), None, Timestamp(301))
        .unwrap();
    assert!(ledger.expire(Timestamp(99)).is_empty());
    assert_eq!(
        ledger.expire(Timestamp(300)),
        vec![(s(1), 9001), (s(2), 9002), (s(0), 9003)]
    );
    assert_eq!(ledger.port_of(s(0)), None);
    assert_eq!(ledger.holder(9001), None);
    assert_eq!(ledger.next_deadline(), Some(Timestamp(301)));
    assert!(ledger.expire(Timestamp(300)).is_empty());
}

#[test]
fn outsider_ports_are_never_handed_out_again() {
    let mut ledger = PortLedger::new();
    let spec = range(8000, 8003, Some(8000));
    assert_eq!(ledger.reserve(s(0), &spec, None, T), Ok(8000));
    assert_eq!(ledger.mark_outsider(8000), Some(s(0)));
    assert_eq!(ledger.port_of(s(0)), None);
    assert_eq!(ledger.next_deadline(), None);
    assert_eq!(ledger.holder(8000), Some(Holder::Outsider));
    assert_eq!(ledger.mark_outsider(8000), None);
    // A free port can be marked too; a confirmed one loses its service.
    assert_eq!(ledger.mark_outsider(8002), None);
    assert_eq!(ledger.reserve(s(0), &spec, Some(8000), T), Ok(8001));
    ledger.confirm(s(0));
    assert_eq!(ledger.mark_outsider(8001), Some(s(0)));
    assert_eq!(ledger.port_of(s(0)), None);
    assert_eq!(ledger.reserve(s(0), &spec, Some(8001), T), Ok(8003));
    assert_eq!(
        ledger.reserve(s(1), &spec, None, T),
        Err(ReserveError::Exhausted)
    );
    // Releasing the service does not free an outsider's port.
    ledger.release(s(0));
    assert_eq!(ledger.reserve(s(1), &spec, None, T), Ok(8003));
    assert_eq!(
        ledger.held().collect::<Vec<_>>(),
        vec![
            (8000, Holder::Outsider),
            (8001, Holder::Outsider),
            (8002, Holder::Outsider),
            (8003, Holder::Reserved(s(1), T)),
        ]
    );
}

#[test]
fn port_zero_is_never_handed_out() {
    let mut ledger = PortLedger::new();
    assert_eq!(
        ledger.reserve(s(0), &range(0, 1, Some(0)), Some(0), T),
        Ok(1)
    );
    assert_eq!(
        ledger.reserve(s(1), &PortSpec::Fixed(0), None, T),
        Err(ReserveError::Exhausted)
    );
    assert_eq!(
        ledger.reserve(s(1), &range(65535, 65535, None), None, T),
        Ok(65535)
    );
    assert_eq!(
        ledger.reserve(s(2), &range(65535, 65535, None), None, T),
        Err(ReserveError::Exhausted)
    );
}

#[test]
fn ten_thousand_services_on_one_big_range() {
    let mut ledger = PortLedger::new();
    let spec = range(10_000, 60_000, None);
    let n = 10_000;
    for service in 0..n {
        assert_eq!(
            ledger.reserve(s(service), &spec, None, Timestamp(service as u64)),
            Ok(10_000 + service as u16)
        );
    }
    // Free every third port, then newcomers fill the holes first, in port order.
    for service in (0..n).step_by(3) {
        ledger.release(s(service));
    }
    let holes: Vec<u16> = (0..n).step_by(3).map(|s| 10_000 + s as u16).collect();
    for (i, &hole) in holes.iter().enumerate() {
        assert_eq!(ledger.reserve(s(n + i), &spec, None, T), Ok(hole));
    }
    assert_eq!(
        ledger.reserve(s(2 * n), &spec, None, T),
        Ok(10_000 + n as u16)
    );
    // n + 1 ports held; confirming one leaves n to expire.
    ledger.confirm(s(1));
    let expired = ledger.expire(Timestamp(u64::MAX));
    assert_eq!(expired.len(), n);
    assert!(expired.windows(2).all(|pair| pair[0].1 < pair[1].1));
    assert_eq!(ledger.held().count(), 1);
    assert_eq!(ledger.holder(10_001), Some(Holder::Confirmed(s(1))));
}

/// The ledger by its definition: linear scans over plain maps.
#[derive(Default)]
struct Model {
    holders: BTreeMap<u16, Holder>,
}

impl Model {
    fn port_of(&self, service: ServiceId) -> Option<u16> {
        self.holders
            .iter()
            .find(|(_, h)| h.service() == Some(service))
            .map(|(&p, _)| p)
    }

    fn release(&mut self, service: ServiceId) -> Option<u16> {
        let port = self.port_of(service)?;
        self.holders.remove(&port);
        Some(port)
    }

    fn reserve(
        &mut self,
        service: ServiceId,
        spec: &PortSpec,
        last: Option<u16>,
        deadline: Timestamp,
    ) -> Result<u16, ReserveError> {
        self.release(service);
        let candidates: Vec<u16> = match spec {
            PortSpec::Fixed(p) => vec![*p],
            PortSpec::Allocated {
                preferred, range, ..
            } => last
                .filter(|&l| Some(l) == *preferred || range.contains(l))
                .into_iter()
                .chain(*preferred)
                .chain(range.ports())
                .collect(),
        };
        let port = candidates
            .into_iter()
            .find(|&p| p != 0 && !self.holders.contains_key(&p))
            .ok_or(ReserveError::Exhausted)?;
        self.holders
            .insert(port, Holder::Reserved(service, deadline));
        Ok(port)
    }

    fn confirm(&mut self, service: ServiceId) {
        if let Some(port) = self.port_of(service) {
            self.holders.insert(port, Holder::Confirmed(service));
        }
    }

    fn mark_outsider(&mut self, port: u16) -> Option<ServiceId> {
        self.holders.insert(port, Holder::Outsider)?.service()
    }

    fn expire(&mut self, now: Timestamp) -> Vec<(ServiceId, u16)> {
        let expired: Vec<(ServiceId, u16)> = self
            .holders
            .iter()
            .filter_map(|(&p, &h)| match h {
                Holder::Reserved(s, d) if d <= now => Some((s, p)),
                _ => None,
            })
            .collect();
        for &(_, port) in &expired {
            self.holders.remove(&port);
        }
        expired
    }

    fn next_deadline(&self) -> Option<Timestamp> {
        self.holders
            .values()
            .filter_map(|h| match h {
                Holder::Reserved(_, d) => Some(*d),
                _ => None,
            })
            .min()
    }
}

const SERVICES: usize = 12;
const LOW: u16 = 100;
const HIGH: u16 = 130;

/// Checks the ledger's invariants and that it agrees with the model everywhere.
fn check(ledger: &PortLedger, model: &Model, outsiders: &[u16], step: usize) {
    let mut owner: BTreeMap<u16, ServiceId> = BTreeMap::new();
    for service in ServiceId::all(SERVICES) {
        assert_eq!(
            ledger.port_of(service),
            model.port_of(service),
            "step {step}"
        );
        if let Some(port) = ledger.port_of(service) {
            // Never one port to two services.
            assert_eq!(
                owner.insert(port, service),
                None,
                "step {step}: port {port} twice"
            );
            assert_eq!(
                ledger.holder(port).and_then(Holder::service),
                Some(service),
                "step {step}"
            );
        }
    }
    for port in LOW - 5..=HIGH + 5 {
        assert_eq!(
            ledger.holder(port),
            model.holders.get(&port).copied(),
            "step {step}"
        );
        assert_eq!(
            ledger.held.contains(port),
            ledger.holder(port).is_some(),
            "step {step}"
        );
    }
    for &port in outsiders {
        assert_eq!(ledger.holder(port), Some(Holder::Outsider), "step {step}");
    }
    assert_eq!(ledger.next_deadline(), model.next_deadline(), "step {step}");
    let reserved = ledger
        .held()
        .filter(|(_, h)| matches!(h, Holder::Reserved(..)))
        .count();
    assert_eq!(ledger.deadlines.len(), reserved, "step {step}");
}

#[test]
fn random_operations_agree_with_the_model_and_keep_the_invariant() {
    for seed in 0..8 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut ledger = PortLedger::new();
        let mut model = Model::default();
        let mut outsiders: Vec<u16> = Vec::new();
        let mut now = 0u64;
        for step in 0..3000 {
            let service = s(rng.random_range(0..SERVICES));
            let port = rng.random_range(LOW - 3..=HIGH + 3);
            match rng.random_range(0..10) {
                0..=3 => {
                    let spec = if rng.random_range(0..4) == 0 {
                        PortSpec::Fixed(port)
                    } else {
                        let start = rng.random_range(LOW..=HIGH);
                        let end = rng.random_range(start..=HIGH);
                        let preferred = rng.random_bool(0.5).then_some(port);
                        range(start, end, preferred)
                    };
                    let last = rng
                        .random_bool(0.5)
                        .then(|| rng.random_range(LOW - 3..=HIGH + 3));
                    let deadline = Timestamp(now + rng.random_range(0..50));
                    let got = ledger.reserve(service, &spec, last, deadline);
                    assert_eq!(
                        got,
                        model.reserve(service, &spec, last, deadline),
                        "step {step}"
                    );
                    if let Ok(p) = got {
                        assert!(!outsiders.contains(&p), "step {step}: outsider port {p}");
                    }
                }
                4 => {
                    ledger.confirm(service);
                    model.confirm(service);
                }
                5 => assert_eq!(
                    ledger.release(service),
                    model.release(service),
                    "step {step}"
                ),
                6 => {
                    assert_eq!(ledger.mark_outsider(port), model.mark_outsider(port));
                    if !outsiders.contains(&port) {
                        outsiders.push(port);
                    }
                }
                _ => {
                    now += rng.random_range(0..20);
                    assert_eq!(
                        ledger.expire(Timestamp(now)),
                        model.expire(Timestamp(now)),
                        "step {step}"
                    );
                }
            }
            check(&ledger, &model, &outsiders, step);
        }
    }
}

#[test]
fn protected_fixed_ports_are_never_an_allocated_candidate() {
    let mut ledger = PortLedger::new();
    for port in [8000, 8001, 8003, 5432] {
        ledger.protect(port);
    }
    // Range scan skips protected ports, also across runs of held ones.
    let spec = range(8000, 8010, None);
    assert_eq!(ledger.reserve(s(0), &spec, None, T), Ok(8002));
    assert_eq!(ledger.reserve(s(1), &spec, None, T), Ok(8004));
    // A preferred port or a last port equal to a protected one is skipped too.
    let preferred = range(8000, 8010, Some(5432));
    assert_eq!(ledger.reserve(s(2), &preferred, Some(8003), T), Ok(8005));
    // The owner's fixed spec still gets it.
    assert_eq!(
        ledger.reserve(s(3), &PortSpec::Fixed(5432), None, T),
        Ok(5432)
    );
    assert_eq!(
        ledger.reserve(s(4), &PortSpec::Fixed(8000), None, T),
        Ok(8000)
    );
    // A range of protected ports only is exhausted.
    let tiny = range(8000, 8001, None);
    assert_eq!(
        ledger.reserve(s(5), &tiny, None, T),
        Err(ReserveError::Exhausted)
    );
    assert!(ledger.is_protected(8003) && !ledger.is_protected(8002));
}

#[test]
fn protected_scan_matches_a_naive_scan() {
    let mut rng = ChaCha8Rng::seed_from_u64(77);
    for _ in 0..200 {
        let mut ledger = PortLedger::new();
        let mut protected = Vec::new();
        for _ in 0..rng.random_range(0..20) {
            let p = rng.random_range(100..140u16);
            ledger.protect(p);
            protected.push(p);
        }
        let spec = range(100, 139, None);
        let mut held = Vec::new();
        for service in 0..30 {
            let naive = (100..=139u16).find(|p| !protected.contains(p) && !held.contains(p));
            let got = ledger.reserve(s(service), &spec, None, T).ok();
            assert_eq!(got, naive);
            held.extend(got);
        }
    }
}
