//! `scanx keygen` and `scanx trust`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use scanx::atomic::Access;
use scanx::crypto::{PublicKey, Role, SigningKey, TrustStore, TrustedKey};
use serde::Serialize;

use crate::fail::{self, exit, CliResult, Fail};
use crate::util::{self, check_destination, key_paths, parse_role, parse_time, write_output};

/// Make a new Ed25519 signing key: PREFIX.private.pem (mode 0600) and PREFIX.public.pem.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx keygen keys/antwerp-scanner\n  # writes keys/antwerp-scanner.private.pem and keys/antwerp-scanner.public.pem, prints the key id"
)]
pub struct KeygenArgs {
    /// Path prefix of the two key files.
    pub prefix: PathBuf,
    /// Print the key id and paths as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct KeygenOut {
    key_id: String,
    private_key: String,
    public_key: String,
}

pub fn keygen(args: KeygenArgs) -> CliResult<i32> {
    let (private, public) = key_paths(&args.prefix);
    // Neither file may exist: a key is never replaced by accident.
    check_destination(&private, false)?;
    check_destination(&public, false)?;
    let key = SigningKey::generate().map_err(|e| fail::core("cannot generate a key", e))?;
    let pem = key.to_pkcs8_pem();
    write_output(&private, false, Access::OwnerOnly, |w| {
        Ok(w.write_all(pem.as_bytes())?)
    })?;
    let public_pem = key.public_key().to_pem();
    if let Err(e) = write_output(&public, false, Access::Shared, |w| {
        Ok(w.write_all(public_pem.as_bytes())?)
    }) {
        // Keep the pair together: without its public half the private key is not listed.
        let _ = std::fs::remove_file(&private);
        return Err(e);
    }
    let key_id = key.public_key().key_id().to_hex();
    if args.json {
        util::print_json(&KeygenOut {
            key_id,
            private_key: private.display().to_string(),
            public_key: public.display().to_string(),
        });
    } else {
        println!("key id {key_id}");
        println!("private key {} (keep it secret)", private.display());
        println!("public key  {}", public.display());
    }
    Ok(exit::OK)
}

/// Keep a trust store: the keys a verifier trusts, for which roles and when.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    Add(TrustAddArgs),
    List(TrustListArgs),
}

/// Add a public key to a trust store (created if missing).
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx trust add --store brazil-trust.json --public-key keys/antwerp-scanner.public.pem \\\n      --agency \"General Administration of Customs and Excise\" --country BE --role scanner"
)]
pub struct TrustAddArgs {
    /// The trust store JSON file (spec/truststore.schema.json).
    #[arg(long)]
    pub store: PathBuf,
    /// The public key (PEM, as written by `scanx keygen`).
    #[arg(long)]
    pub public_key: PathBuf,
    /// The organisation that holds the private key.
    #[arg(long)]
    pub agency: String,
    /// Its country (ISO 3166-1 alpha-2).
    #[arg(long)]
    pub country: String,
    /// A role the key may sign in (scanner, agency, recipient, analyst); repeat for more.
    #[arg(long = "role", required = true, value_parser = parse_role)]
    pub roles: Vec<Role>,
    /// Signatures dated before this time (RFC 3339, UTC) are not trusted.
    #[arg(long, value_parser = parse_time)]
    pub not_before: Option<scanx::Timestamp>,
    /// Signatures dated after this time are not trusted.
    #[arg(long, value_parser = parse_time)]
    pub not_after: Option<scanx::Timestamp>,
    /// A remark for the people who keep the store.
    #[arg(long)]
    pub comment: Option<String>,
}

/// List the keys of a trust store.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  scanx trust list --store brazil-trust.json --json")]
pub struct TrustListArgs {
    /// The trust store JSON file.
    #[arg(long)]
    pub store: PathBuf,
    /// One JSON object per key.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct TrustKeyOut {
    key_id: String,
    agency: String,
    country: String,
    roles: Vec<&'static str>,
    revoked: bool,
}

pub fn load_store(path: &std::path::Path) -> CliResult<TrustStore> {
    TrustStore::load(path).map_err(|e| fail::core("cannot load the trust store", e))
}

pub fn trust(command: TrustCommand) -> CliResult<i32> {
    match command {
        TrustCommand::Add(a) => {
            let mut store = if a.store.exists() {
                load_store(&a.store)?
            } else {
                TrustStore::new()
            };
            let pem = util::read_input(&a.public_key, "public key")?;
            let text = String::from_utf8(pem).map_err(|_| {
                Fail::new(format!("{} is not a PEM text file", a.public_key.display()))
            })?;
            let public = PublicKey::from_pem(&text).map_err(|e| {
                let mut f = fail::core(format!("cannot read {}", a.public_key.display()), e);
                f.help = Some("give the PREFIX.public.pem written by `scanx keygen`".into());
                f
            })?;
            let mut key = TrustedKey::new(public, a.agency, a.country, a.roles)
                .map_err(|e| fail::core("cannot add the key", e))?;
            key.not_before = a.not_before;
            key.not_after = a.not_after;
            key.comment = a.comment;
            let key_id = key.key_id.to_hex();
            store
                .insert(key)
                .map_err(|e| fail::core("cannot add the key", e))?;
            store
                .save(&a.store)
                .map_err(|e| fail::core(format!("cannot write {}", a.store.display()), e))?;
            println!("added key {key_id} to {}", a.store.display());
            Ok(exit::OK)
        }
        TrustCommand::List(a) => {
            let store = load_store(&a.store)?;
            for k in &store.keys {
                let out = TrustKeyOut {
                    key_id: k.key_id.to_hex(),
                    agency: k.agency.clone(),
                    country: k.country.clone(),
                    roles: k.roles.iter().map(|r| r.name()).collect(),
                    revoked: k.revoked.is_some(),
                };
                if a.json {
                    util::print_json(&out);
                } else {
                    println!(
                        "{} {} ({}) {}{}",
                        out.key_id,
                        out.agency,
                        out.country,
                        out.roles.join(","),
                        if out.revoked { " REVOKED" } else { "" }
                    );
                }
            }
            Ok(exit::OK)
        }
    }
}
