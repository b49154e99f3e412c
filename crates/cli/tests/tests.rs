//! End-to-end tests of the `unspin` binary: one test binary, a temp dir per test.

mod hay;
mod util;

mod analyze;
mod browser;
mod claims;
mod classify;
mod corpus;
mod eval;
mod ptc;
