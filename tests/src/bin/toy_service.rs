//! `toy-service`: a configurable stand-in service for coord's end-to-end tests and benchmark.

fn main() {
    coord_tests::toy::main()
}
