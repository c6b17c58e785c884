//! L1: the registry — what `omni_test!` records and how registrations are validated.

mod registration;
