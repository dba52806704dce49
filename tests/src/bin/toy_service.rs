//! A toy service for end-to-end tests.

fn main() {}
