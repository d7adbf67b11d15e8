//! Writes the seed corpus: `seed_corpus OUT_DIR [VECTORS_DIR]`.
//!
//! Scan-file seeds come from every `.scx` under `VECTORS_DIR` when it holds any, otherwise
//! from files the library writes; JSON, key, trust store and tile seeds are always made
//! here. Each seed goes to `OUT_DIR/<target>/<name>`.

use std::path::PathBuf;
use std::process::ExitCode;

use scanx_fuzz::seeds;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: seed_corpus OUT_DIR [VECTORS_DIR]");
        return ExitCode::from(2);
    };
    let vectors = args
        .next()
        .map(|d| seeds::vector_files(&PathBuf::from(d)))
        .unwrap_or_default();
    let files = if vectors.is_empty() {
        match seeds::sample_files() {
            Ok(files) => files
                .into_iter()
                .map(|(name, bytes)| (name.to_owned(), bytes))
                .collect(),
            Err(e) => {
                eprintln!("cannot write the sample files: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        vectors
    };
    let seeds = match seeds::target_seeds(&files) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot make the seeds: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (target, name, bytes) in &seeds {
        let dir = out.join(target);
        let written =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join(name), bytes));
        if let Err(e) = written {
            eprintln!("{}: {e}", dir.join(name).display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "{} seeds from {} scan files ({}) in {}",
        seeds.len(),
        files.len(),
        if files.iter().any(|(n, _)| n.ends_with(".scx")) {
            "test vectors"
        } else {
            "written by the library"
        },
        out.display()
    );
    ExitCode::SUCCESS
}
