//! The `keyhound` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    keyhound::diag::install_panic_hook();
    let cli = keyhound::cli::Cli::parse();
    match keyhound::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("keyhound: error: {err:#}");
            ExitCode::from(keyhound::app::EXIT_ERROR)
        }
    }
}
