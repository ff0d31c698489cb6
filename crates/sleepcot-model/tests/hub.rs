//! Hub resolution against a fake Hugging Face cache (the hub itself is unreachable in CI).

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::DType;
use sleepcot_model::hub::{HubOptions, resolve_model};
use sleepcot_model::load_pretrained;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn options(cache: &Path, offline: bool) -> HubOptions {
    HubOptions {
        cache_dir: cache.to_path_buf(),
        offline,
        revision: "main".into(),
    }
}

/// Lays out `fixture` as `org/tiny` at commit `abc123` with `refs/main` pointing at it.
fn fake_cache(hf_home: &Path) -> PathBuf {
    let repo = hf_home.join("hub").join("models--org--tiny");
    let snapshot = repo.join("snapshots").join("abc123");
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs").join("main"), "abc123\n").unwrap();
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(fixture("tiny-tied").join(file), snapshot.join(file)).unwrap();
    }
    snapshot
}

#[test]
fn environment_selects_cache_and_offline_mode() {
    let opts = HubOptions::from_vars(|k| match k {
        "HF_HOME" => Some("/data/hf".into()),
        "HF_HUB_OFFLINE" => Some("1".into()),
        _ => None,
    });
    assert_eq!(opts.cache_dir, PathBuf::from("/data/hf/hub"));
    assert!(opts.offline);
    let opts = HubOptions::from_vars(|k| match k {
        "HOME" => Some("/home/u".into()),
        "HF_HUB_OFFLINE" => Some("0".into()),
        _ => None,
    });
    assert_eq!(
        opts.cache_dir,
        PathBuf::from("/home/u/.cache/huggingface/hub")
    );
    assert!(!opts.offline);
}

#[test]
fn offline_cache_miss_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("hub");
    let err = resolve_model("org/absent", &options(&cache, true))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "HF_HUB_OFFLINE is set and config.json of org/absent is not in the hub cache {}",
            cache.display()
        )
    );
}

#[test]
fn cached_snapshot_resolves_and_loads_offline_and_online() {
    let home = tempfile::tempdir().unwrap();
    let snapshot = fake_cache(home.path());
    for offline in [true, false] {
        // Online mode must still be served from the cache without any network access.
        let dir = resolve_model("org/tiny", &options(&home.path().join("hub"), offline)).unwrap();
        assert_eq!(dir, snapshot);
        let model = load_pretrained::<Flex>(&dir, DType::F32, &Default::default()).unwrap();
        assert!(model.config.tie_word_embeddings);
    }
    // An explicit revision reads the snapshot by commit.
    let dir = resolve_model("org/tiny@abc123", &options(&home.path().join("hub"), true)).unwrap();
    assert_eq!(dir, snapshot);
}

#[test]
fn offline_miss_of_weights_names_the_file() {
    let home = tempfile::tempdir().unwrap();
    let snapshot = fake_cache(home.path());
    std::fs::remove_file(snapshot.join("model.safetensors")).unwrap();
    let err = resolve_model("org/tiny", &options(&home.path().join("hub"), true))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("model.safetensors of org/tiny is not in the hub cache"),
        "{err}"
    );
}

#[test]
fn sharded_snapshot_in_cache_resolves() {
    let home = tempfile::tempdir().unwrap();
    let snapshot = fake_cache(home.path());
    std::fs::rename(
        snapshot.join("model.safetensors"),
        snapshot.join("model-00001-of-00001.safetensors"),
    )
    .unwrap();
    let bytes = std::fs::read(snapshot.join("model-00001-of-00001.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let map: serde_json::Map<String, serde_json::Value> = st
        .names()
        .into_iter()
        .map(|n| {
            (
                n.to_string(),
                serde_json::json!("model-00001-of-00001.safetensors"),
            )
        })
        .collect();
    std::fs::write(
        snapshot.join("model.safetensors.index.json"),
        serde_json::json!({ "weight_map": map }).to_string(),
    )
    .unwrap();
    let dir = resolve_model("org/tiny", &options(&home.path().join("hub"), true)).unwrap();
    load_pretrained::<Flex>(&dir, DType::F32, &Default::default()).unwrap();
}

#[test]
fn local_directory_is_used_as_is_and_nonsense_is_rejected() {
    let local = fixture("tiny-untied");
    let opts = options(Path::new("/nonexistent"), true);
    assert_eq!(
        resolve_model(local.to_str().unwrap(), &opts).unwrap(),
        local
    );
    let err = resolve_model("no/such/thing", &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("neither a local checkpoint directory nor a hub id"),
        "{err}"
    );
}
