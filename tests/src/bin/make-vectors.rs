//! Writes the conformance test vectors to `spec/vectors/` (or `--dir DIR`), or with
//! `--check` compares what the recipes make with what is there and exits with status 1,
//! listing every missing, extra or changed file, if anything differs.

use std::path::PathBuf;
use std::process::ExitCode;

use scanx_conformance::tree;

const USAGE: &str = "usage: make-vectors [--check] [--dir DIR]";

fn main() -> ExitCode {
    let mut check = false;
    let mut dir = tree::default_dir();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--dir" => match args.next() {
                Some(d) => dir = PathBuf::from(d),
                None => return usage(),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    match run(check, &dir) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("make-vectors: {message}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

fn run(check: bool, dir: &std::path::Path) -> Result<ExitCode, String> {
    let made = tree::generate()?;
    let vectors = made.keys().filter(|p| p.ends_with(".scx")).count();
    if check {
        let differences = tree::compare(&made, dir)?;
        if differences.is_empty() {
            println!("{vectors} vectors in {} match their recipes", dir.display());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} differs from what the recipes make ({} files); run make-vectors to update it:",
            dir.display(),
            differences.len()
        );
        for d in differences {
            eprintln!("  {d}");
        }
        return Ok(ExitCode::from(1));
    }
    let left_alone = tree::write(&made, dir)?;
    println!("wrote {vectors} vectors to {}", dir.display());
    if left_alone.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{} holds files the recipes do not make; remove them or add a recipe:",
        dir.display()
    );
    for path in left_alone {
        eprintln!("  {path}");
    }
    Ok(ExitCode::from(1))
}
