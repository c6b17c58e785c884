//! L1: the plan — trial naming and scenario-by-scenario ordering.

mod ordering;
