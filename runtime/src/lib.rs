//! coord's real runtime: a smol driver that executes the coordinator's commands against real
//! processes, sockets, files and signals, and the CLI.
//!
//! The runtime decides nothing: ordering, retries, timeouts, port choice and probe scheduling
//! all live in [`coord_core::Coordinator`]. This crate executes its commands ([`driver`]) and
//! feeds back what happened.

pub mod cli;
pub mod client;
pub mod commands;
pub mod driver;
pub mod env_files;
pub mod ephemeral;
pub mod events;
pub mod export;
pub mod fdpass;
pub mod import;
pub mod kill_tree;
pub mod load;
pub mod output;
pub mod paths;
pub mod peer;
pub mod port_dir;
pub mod port_holder;
pub mod ports;
pub mod probe;
pub mod process;
pub mod procfs;
pub mod protocol;
pub mod registry;
pub mod run_options;
pub mod safe_fs;
pub mod stack_file;
pub mod stack_files;
pub mod start_client;
pub mod status_view;
pub mod stop_command;
pub mod supervise;
#[cfg(test)]
mod test_support;
pub mod watch;
