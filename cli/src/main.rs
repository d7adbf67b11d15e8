//! `scanx`: create, inspect, verify, edit and export scanx files from the command line.
//!
//! Every format decision is the core's (crate `scanx`); this crate parses arguments, reads
//! and writes image files, and reports. Exit codes are listed in `fail::exit` and in
//! cli/README.md.

mod catalog;
mod create;
mod edit;
mod export;
mod fail;
mod images;
mod info;
mod keys;
mod preview;
mod synthetic;
mod util;
mod verify;

use clap::{Parser, Subcommand};

use fail::{exit, CliResult};

/// Create, inspect, verify, edit and export scanx files (signed X-ray scans of cargo).
#[derive(Debug, Parser)]
#[command(name = "scanx", version, about, long_about = None)]
#[command(
    after_help = "Example:\n  scanx keygen keys/scanner\n  scanx create -o scan.scx --metadata meta.json \\\n      --plane high.npy,view=side,channel=high-energy,spacing=5x5 --key keys/scanner.private.pem\n  scanx verify scan.scx --trust truststore.json\n\nExit codes: 0 success (verify: TRUSTED), 1 failure, 2 usage error, 3 INVALID,\n4 VALID_UNTRUSTED, 5 UNSIGNED, 6 a scanx file cannot be read or is not valid."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Keygen(keys::KeygenArgs),
    #[command(subcommand)]
    #[command(
        after_help = "Example:\n  scanx trust add --store trust.json --public-key keys/scanner.public.pem \\\n      --agency \"Belgian Customs\" --country BE --role scanner\n  scanx trust list --store trust.json"
    )]
    Trust(keys::TrustCommand),
    Create(create::CreateArgs),
    Info(info::InfoArgs),
    Verify(verify::VerifyArgs),
    Sign(edit::SignArgs),
    Redact(edit::RedactArgs),
    Annotate(edit::AnnotateArgs),
    Transfer(edit::TransferArgs),
    Export(export::ExportArgs),
    Validate(verify::ValidateArgs),
    Catalog(catalog::CatalogArgs),
    #[command(hide = true)]
    Synthetic(synthetic::SyntheticArgs),
}

fn run(cli: Cli) -> CliResult<i32> {
    match cli.command {
        Command::Keygen(a) => keys::keygen(a),
        Command::Trust(c) => keys::trust(c),
        Command::Create(a) => create::run(a),
        Command::Info(a) => info::run(a),
        Command::Verify(a) => verify::verify(a),
        Command::Sign(a) => edit::sign(a),
        Command::Redact(a) => edit::redact(a),
        Command::Annotate(a) => edit::annotate(a),
        Command::Transfer(a) => edit::transfer(a),
        Command::Export(a) => export::run(a),
        Command::Validate(a) => verify::validate(a),
        Command::Catalog(a) => catalog::run(a),
        Command::Synthetic(a) => synthetic::run(a),
    }
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            failure.report();
            failure.exit
        }
    };
    std::process::exit(code);
}
