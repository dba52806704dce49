//! coord's real runtime: a smol driver that executes the coordinator's commands against real
//! processes, sockets, files and signals, and the CLI.
