//! [`ServiceId`]: which service of a [`Stack`](super::Stack) something is about.

use serde::Serialize;
use std::fmt;
use std::ops::{Index, IndexMut};

/// A service of a [`Stack`](super::Stack): its position in [`Stack::services`](super::Stack),
/// which keeps the stack file's order (the first service is `ServiceId::from_index(0)`).
///
/// An id is only meaningful for the stack it came from ([`Stack::service_id`](super::Stack::service_id),
/// [`Stack::service_ids`](super::Stack::service_ids), a [`Dependency`](super::Dependency)).
///
/// # Per-service vectors
/// Data kept per service lives in a `Vec<T>` (or slice) with one entry per service, in the same
/// order, and is indexed by the id itself: `records[id]`, `&mut ports[id]` (this module
/// implements [`Index`]/[`IndexMut`] of `ServiceId` for `Vec<T>` and `[T]`). To walk such a vector
/// with its ids, zip it with [`Stack::service_ids`](super::Stack::service_ids) or use
/// [`ServiceId::enumerate`]; [`ServiceId::index`] gives the plain position for the rest
/// (`slice.get(id.index())`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ServiceId(usize);

impl ServiceId {
    /// The id of the service at position `index` of [`Stack::services`](super::Stack).
    pub const fn from_index(index: usize) -> ServiceId {
        ServiceId(index)
    }

    /// The service's position in [`Stack::services`](super::Stack) (and in every per-service
    /// vector).
    pub const fn index(self) -> usize {
        self.0
    }

    /// The ids `0..count`: every service of a stack of `count` services, in file order.
    pub fn all(count: usize) -> impl DoubleEndedIterator<Item = ServiceId> + ExactSizeIterator {
        (0..count).map(ServiceId)
    }

    /// The entries of a per-service slice, each with its service's id, in file order.
    pub fn enumerate<T>(
        per_service: &[T],
    ) -> impl DoubleEndedIterator<Item = (ServiceId, &T)> + ExactSizeIterator {
        per_service
            .iter()
            .enumerate()
            .map(|(i, t)| (ServiceId(i), t))
    }
}

/// The plain position, as in `ServiceId(3)` -> `3` (for messages that print indexes).
impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> Index<ServiceId> for [T] {
    type Output = T;
    fn index(&self, id: ServiceId) -> &T {
        &self[id.0]
    }
}

impl<T> IndexMut<ServiceId> for [T] {
    fn index_mut(&mut self, id: ServiceId) -> &mut T {
        &mut self[id.0]
    }
}

impl<T> Index<ServiceId> for Vec<T> {
    type Output = T;
    fn index(&self, id: ServiceId) -> &T {
        &self.as_slice()[id]
    }
}

impl<T> IndexMut<ServiceId> for Vec<T> {
    fn index_mut(&mut self, id: ServiceId) -> &mut T {
        &mut self.as_mut_slice()[id]
    }
}
