//! `bench-startup`: coord's startup benchmark (see `scripts/bench-startup.sh`).

fn main() {
    coord_tests::bench::main()
}
