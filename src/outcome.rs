//! How a test ends: passed, failed an assertion, hit a harness error, or ignored itself.
//!
//! The difference between a *failure* and a *harness error* matters to whoever reads a red CI
//! run: a failure means the server under test misbehaved; a harness error means the test could
//! not be carried out (a server that never started, a missing tool). JUnit reports them as
//! `<failure>` and `<error>`.

use std::fmt;

/// What a test returns.
pub type TestResult = Result<(), TestError>;

/// Why a test did not pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// An assertion about the system under test did not hold.
    Failure,
    /// The harness could not carry the test out.
    Harness,
    /// The test decided at run time that it does not apply here, with a reason.
    Ignored,
}

/// A test that did not pass, with its kind and message.
///
/// Any `std::error::Error` converts into a failure with `?`; fixtures return harness errors
/// already classified.
pub struct TestError {
    kind: ErrorKind,
    message: String,
}

impl TestError {
    /// An assertion failure.
    pub fn failure(message: impl Into<String>) -> TestError {
        TestError { kind: ErrorKind::Failure, message: message.into() }
    }

    /// A harness error: the test could not be carried out.
    pub fn harness(message: impl Into<String>) -> TestError {
        TestError { kind: ErrorKind::Harness, message: message.into() }
    }

    /// The test does not apply here; it is reported ignored with `reason`.
    pub fn ignored(reason: impl Into<String>) -> TestError {
        TestError { kind: ErrorKind::Ignored, message: reason.into() }
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with what was being done.
    #[must_use]
    pub fn context(self, what: impl fmt::Display) -> TestError {
        TestError { kind: self.kind, message: format!("{what}: {}", self.message) }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for TestError {
    fn from(err: E) -> TestError {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        TestError::failure(message)
    }
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

/// Fails the test with a formatted message (and the source line) unless the condition holds.
///
/// ```
/// # use omnitest::prelude::*;
/// fn check_status(status: u16) -> TestResult {
///     check!(status == 200, "expected 200, got {status}");
///     Ok(())
/// }
/// assert!(check_status(503).is_err());
/// ```
#[macro_export]
macro_rules! check {
    ($cond:expr $(,)?) => {
        $crate::check!($cond, "{}", ::core::stringify!($cond))
    };
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return ::core::result::Result::Err($crate::TestError::failure(::std::format!(
                "{} (at {}:{})", ::std::format!($($fmt)+), ::core::file!(), ::core::line!()
            )));
        }
    };
}

/// Fails the test unless the two values are equal, showing both.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr $(,)?) => {
        $crate::check_eq!($left, $right, "{} == {}", ::core::stringify!($left), ::core::stringify!($right))
    };
    ($left:expr, $right:expr, $($fmt:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                if !(*left == *right) {
                    return ::core::result::Result::Err($crate::TestError::failure(::std::format!(
                        "{}\n  left:  {:?}\n  right: {:?}\n  (at {}:{})",
                        ::std::format!($($fmt)+), left, right, ::core::file!(), ::core::line!()
                    )));
                }
            }
        }
    };
}
