//! End-to-end tests of the real `coord` binary with toy services on 127.0.0.1.
//!
//! Every test gets its own directory, events file and block of free ports (see
//! `coord_tests::harness`). It waits on conditions (an event, a line, an exit, a pid gone) with
//! generous deadlines and never asserts a duration. The binaries are built on first use with
//! `cargo build -p coord --bin coord -p coord-tests --bin toy-service` (see `harness::bins`).

mod control;
mod degradation;
mod demo;
mod export;
mod files;
mod fixed_ports;
mod invalid;
mod ipv6;
mod lifecycle;
mod operate;
mod order;
mod output;
mod ports;
mod postgres_redis;
mod probe_facts;
mod processes;
mod readiness;
mod shutdown;
mod stacks;
mod tasks;
mod user_stop;
