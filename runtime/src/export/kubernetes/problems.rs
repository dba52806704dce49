//! Why a stack cannot be exported to Kubernetes (a service without an image, a name that is no
//! DNS label): every problem, each at the service's place in the stack file.

use coord_core::ServiceId;
use coord_core::stack::{ConfigErrors, Places};

/// The problems found, per service.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems(Vec<(ServiceId, String, String)>);

impl Problems {
    /// Records a problem of service `id`: what is wrong and how to fix it.
    pub fn add(&mut self, id: ServiceId, message: impl Into<String>, help: impl Into<String>) {
        self.0.push((id, message.into(), help.into()));
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems as errors at each service's `[services.NAME]` key, in file order.
    pub fn errors(&self, places: &Places) -> ConfigErrors {
        let mut errors: Vec<_> = self
            .0
            .iter()
            .map(|(id, message, help)| {
                let place = places.services[*id];
                places.error(place, message.clone(), help.clone())
            })
            .collect();
        errors.sort_by_key(|e| (e.line, e.column));
        ConfigErrors(errors)
    }
}
