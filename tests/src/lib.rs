//! End-to-end tests of coord's binaries live in `tests/tests/`. This library holds the toy
//! service (the `toy-service` binary is a thin wrapper around [`toy::main`]) and the harness the
//! tests share ([`harness`]): locating and building the binaries, free port ranges, stack files,
//! running coord while reading its output, and checking that processes are gone.

pub mod bench;
pub mod harness;
pub mod toy;
