//! The conformance suite: behaviour every engine must show. Each function gets a fresh,
//! migrated, empty store; `testkit` runs them against the engine under test.
