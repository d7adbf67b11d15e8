//! The workspace's `rust-version` is a promise: it must be at least what every locked
//! dependency declares it needs, or a user on that toolchain gets a build failure.

use std::process::Command;

/// `1.89` and `1.89.0` compare equal.
fn version(text: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(text.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    out
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // Not `--offline`: the resolve covers every platform's dependencies, and a build for
    // this host never downloads the others' (on a fresh machine they are not cached).
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let resolved: std::collections::HashSet<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    let packages = metadata["packages"].as_array().expect("packages");
    let floor = packages
        .iter()
        .find(|p| p["name"] == "scanx")
        .and_then(|p| p["rust_version"].as_str())
        .expect("scanx declares a rust-version");
    let mut too_new = Vec::new();
    for p in packages {
        let id = p["id"].as_str().unwrap_or_default();
        if !resolved.contains(id) || members.contains(&id) {
            continue;
        }
        if let Some(needed) = p["rust_version"].as_str() {
            if version(needed) > version(floor) {
                too_new.push(format!("{} {} needs {needed}", p["name"], p["version"]));
            }
        }
    }
    assert!(
        too_new.is_empty(),
        "rust-version {floor} is older than the locked dependencies need: {too_new:?}"
    );
}
