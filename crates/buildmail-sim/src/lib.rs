//! A fault-injecting SMTP server for tests, `buildmail sim` and `buildmail demo`.
//! (Not built yet: see its issue.)
