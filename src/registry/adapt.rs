//! Adapts test functions of several signatures to the one the runner calls, so a test takes only
//! what it uses: nothing, the context, or (with a scenario) the server and the client.

use crate::client::Client;
use crate::fixtures::{OfflineRunner, Server};
use crate::outcome::{TestError, TestResult};
use crate::runner::TestContext;

/// What a test function may return: `()` or a [`TestResult`].
pub trait IntoTestResult {
    /// The result.
    fn into_test_result(self) -> TestResult;
}

impl IntoTestResult for () {
    fn into_test_result(self) -> TestResult {
        Ok(())
    }
}

impl<E: Into<TestError>> IntoTestResult for Result<(), E> {
    fn into_test_result(self) -> TestResult {
        self.map_err(Into::into)
    }
}

/// A test function taking the parameters `Params` describes.
pub trait TestFn<Params> {
    /// Calls the function with what it takes from the context.
    fn call_with(self, ctx: &TestContext) -> TestResult;
}

/// Parameters: none.
pub struct NoParams;
/// Parameters: `&TestContext`.
pub struct ContextParam;

impl<F, R> TestFn<NoParams> for F
where
    F: FnOnce() -> R,
    R: IntoTestResult,
{
    fn call_with(self, _ctx: &TestContext) -> TestResult {
        self().into_test_result()
    }
}

impl<F, R> TestFn<ContextParam> for F
where
    F: FnOnce(&TestContext) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        self(ctx).into_test_result()
    }
}

/// Parameters: `&Server, &Client`.
pub struct ServerClientParams;
/// Parameters: `&Client`.
pub struct ClientParam;
/// Parameters: `&Server`.
pub struct ServerParam;
/// Parameters: `&TestContext, &OfflineRunner`.
pub struct ContextRunnerParams;

impl<F, R> TestFn<ContextRunnerParams> for F
where
    F: FnOnce(&TestContext, &OfflineRunner) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        let runner = ctx.runner()?;
        self(ctx, &runner).into_test_result()
    }
}

impl<F, R> TestFn<ServerParam> for F
where
    F: FnOnce(&Server) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        let server = ctx.server()?;
        self(&server).into_test_result()
    }
}
/// Parameters: `&TestContext, &Server`.
pub struct ContextServerParams;

impl<F, R> TestFn<ContextServerParams> for F
where
    F: FnOnce(&TestContext, &Server) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        let server = ctx.server()?;
        self(ctx, &server).into_test_result()
    }
}

/// Parameters: `&TestContext, &Server, &Client`.
pub struct ContextServerClientParams;

impl<F, R> TestFn<ServerClientParams> for F
where
    F: FnOnce(&Server, &Client) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        let server = ctx.server()?;
        let client = ctx.client()?;
        self(&server, &client).into_test_result()
    }
}

impl<F, R> TestFn<ClientParam> for F
where
    F: FnOnce(&Client) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        self(&ctx.client()?).into_test_result()
    }
}

impl<F, R> TestFn<ContextServerClientParams> for F
where
    F: FnOnce(&TestContext, &Server, &Client) -> R,
    R: IntoTestResult,
{
    fn call_with(self, ctx: &TestContext) -> TestResult {
        let server = ctx.server()?;
        let client = ctx.client()?;
        self(ctx, &server, &client).into_test_result()
    }
}

/// Calls `test` with the parameters its signature asks for.
pub fn invoke<P, F: TestFn<P>>(test: F, ctx: &TestContext) -> TestResult {
    test.call_with(ctx)
}
