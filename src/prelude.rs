//! What a suite needs: `use omnitest::prelude::*;`.

pub use crate::outcome::{ErrorKind, TestError, TestResult};
pub use crate::registry::{Capability, Level, Marker, Scenario};
pub use crate::runner::TestContext;
pub use crate::{check, check_eq, omni_test};
