//! End-to-end tests of the real `coord` binary with toy services on 127.0.0.1.
//!
//! Every test gets its own directory, events file and block of free ports (see
//! `coord_tests::harness`). It waits on conditions (an event, a line, an exit, a pid gone) with
//! generous deadlines and never asserts a duration. The binaries are built on first use with
//! `cargo build -p coord --bin coord -p coord-tests --bin toy-service` (see `harness::bins`).

mod backoff_notice;
mod control;
mod day_to_day;
mod degradation;
mod demo;
mod env_files;
mod exit_code_from;
mod export;
mod files;
mod fixed_ports;
mod import;
mod invalid;
mod ipv6;
mod lifecycle;
mod live_view;
mod on_demand;
mod operate;
mod order;
mod output;
mod overrides;
mod partial_lines;
mod ports;
mod postgres_redis;
mod probe_facts;
mod process_compose;
mod processes;
mod procfile;
mod readiness;
mod shutdown;
mod stacks;
mod started;
mod status;
mod stop_command;
mod tasks;
mod user_stop;
mod watch;
