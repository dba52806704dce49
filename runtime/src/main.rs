//! The `coord` command.

fn main() {
    eprintln!("coord: the runtime is not built yet");
    std::process::exit(2);
}
