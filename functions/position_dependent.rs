//! Build script of every deployed binary (and of the cold-start floor): links the package's
//! binaries as position-dependent executables (`-no-pie`) on Linux.
//!
//! A position-independent executable carries one relative relocation per pointer in its data
//! (vtables, panic locations, static tables): about 18,000 in a function binary. The dynamic
//! loader applies them all before `main`, writing to, and so copying, every page that holds
//! one, which is most of what a function's start-up costs beyond a bare `lambda_http` binary.
//! Linked position-dependent, the addresses are fixed at link time and none is left.
//! ARCHITECTURE.md ("Why it is built this way") weighs this against address-space
//! randomisation of the executable's own image; BENCHMARKS.md has the measurements.

// A build script tells cargo what to do on its standard output.
#![allow(clippy::print_stdout)]

fn main() {
    // Only the packages' binaries, never their tests or proc macros, and only where the linker
    // is a GNU-compatible driver for ELF (gcc, clang, `zig cc` under cargo-lambda).
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
