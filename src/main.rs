//! The `omnitest` command.

fn main() -> std::process::ExitCode {
    omnitest::cli::main()
}
