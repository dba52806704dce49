//! End-to-end tests of coord's binaries live in `tests/tests/`; this crate builds the toy service.
