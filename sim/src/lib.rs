//! coord's seeded fault simulator: drives the very same coordinator against a virtual machine.
