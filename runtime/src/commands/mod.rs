//! The commands that operate a running stack from any terminal, each a thin client of the
//! running coord's event stream (see [`crate::protocol`]): `up`, `down`, `attach`, `logs`,
//! `wait`.

pub mod attach;
pub mod down;
pub mod live_status;
pub mod logs;
pub mod stream;
pub mod up;
pub mod wait;
