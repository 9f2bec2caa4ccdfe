//! The workspace's `rust-version` is what its locked dependencies need: at least the newest
//! `rust-version` any of them declares (the AWS SDK crates raise theirs often).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|part| part.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let metadata = webhook_tests::workspace::metadata(&["--locked"]);
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages
        .iter()
        .find(|package| package["name"] == "webhook-core")
        .unwrap()["rust_version"]
        .as_str()
        .unwrap();
    let (newest, needed_by) = packages
        .iter()
        .filter(|package| package["source"].is_string())
        .filter_map(|package| {
            let needed = package["rust_version"].as_str()?;
            Some((
                version(needed),
                package["name"].as_str().unwrap().to_string(),
            ))
        })
        .max()
        .unwrap();
    assert!(
        version(ours) >= newest,
        "rust-version = {ours} in Cargo.toml, but {needed_by} needs {newest:?}"
    );
}
