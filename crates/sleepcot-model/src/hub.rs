//! Resolving a model given as a local directory or a Hugging Face hub id.
//!
//! The hub cache layout is the one Python uses (`<cache>/models--org--name/{refs/<rev>,
//! snapshots/<commit>/<file>}`), so checkpoints downloaded by either side are shared. The cache
//! is always consulted first; with `HF_HUB_OFFLINE=1` it is the only place looked at (the
//! `hf-hub` crate ignores that variable, so this module implements it).

use std::path::{Path, PathBuf};

use crate::checkpoint::{INDEX_FILE, SINGLE_FILE};
use crate::error::{ModelError, Result};

/// Where and how to look for hub files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubOptions {
    /// The hub cache directory (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`).
    pub cache_dir: PathBuf,
    /// Never touch the network (`HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Branch, tag or commit to resolve (default `main`).
    pub revision: String,
}

impl HubOptions {
    /// Options from the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(|key| std::env::var(key).ok())
    }

    /// Options from an environment lookup function (testable without touching the process
    /// environment).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let cache_dir = if let Some(dir) = var("HF_HUB_CACHE").filter(|v| !v.is_empty()) {
            PathBuf::from(dir)
        } else if let Some(home) = var("HF_HOME").filter(|v| !v.is_empty()) {
            PathBuf::from(home).join("hub")
        } else {
            let home = var("HOME").unwrap_or_else(|| ".".into());
            PathBuf::from(home)
                .join(".cache")
                .join("huggingface")
                .join("hub")
        };
        let offline = var("HF_HUB_OFFLINE")
            .map(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on"
                )
            })
            .unwrap_or(false);
        Self {
            cache_dir,
            offline,
            revision: "main".into(),
        }
    }

    /// The cache folder of a model repository.
    fn repo_dir(&self, repo: &str) -> PathBuf {
        self.cache_dir
            .join(format!("models--{}", repo.replace('/', "--")))
    }

    /// Looks `file` of `repo` up in the cache only.
    pub fn cached(&self, repo: &str, file: &str) -> Option<PathBuf> {
        let repo_dir = self.repo_dir(repo);
        let commit = std::fs::read_to_string(repo_dir.join("refs").join(&self.revision))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| self.revision.clone());
        let path = repo_dir.join("snapshots").join(commit).join(file);
        path.is_file().then_some(path)
    }

    /// Returns the local path of `file` of `repo`: from the cache, else (when online) downloaded.
    pub fn fetch(&self, repo: &str, file: &str) -> Result<PathBuf> {
        if let Some(path) = self.cached(repo, file) {
            return Ok(path);
        }
        if self.offline {
            return Err(ModelError::OfflineCacheMiss {
                repo: repo.to_string(),
                file: file.to_string(),
                cache: self.cache_dir.clone(),
            });
        }
        let hub_error = |message: String| ModelError::Hub {
            repo: repo.to_string(),
            file: file.to_string(),
            message,
        };
        let api = hf_hub::api::sync::ApiBuilder::from_env()
            .with_cache_dir(self.cache_dir.clone())
            .with_progress(false)
            .build()
            .map_err(|e| hub_error(e.to_string()))?;
        let remote = hf_hub::Repo::with_revision(
            repo.to_string(),
            hf_hub::RepoType::Model,
            self.revision.clone(),
        );
        api.repo(remote)
            .get(file)
            .map_err(|e| hub_error(e.to_string()))
    }

    /// Makes the checkpoint of `repo` (config and weights, sharded or not) available locally and
    /// returns its snapshot directory.
    pub fn snapshot(&self, repo: &str) -> Result<PathBuf> {
        let config = self.fetch(repo, "config.json")?;
        let dir = config
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        // Prefer whatever the cache already holds; ask the network only for what is missing.
        if self.cached(repo, SINGLE_FILE).is_some() {
            return Ok(dir);
        }
        let index = match self.cached(repo, INDEX_FILE) {
            Some(index) => Some(index),
            None => match self.fetch(repo, SINGLE_FILE) {
                Ok(_) => return Ok(dir),
                Err(single_err) => match self.fetch(repo, INDEX_FILE) {
                    Ok(index) => Some(index),
                    Err(_) => return Err(single_err),
                },
            },
        };
        if let Some(index) = index {
            for shard in shard_names(&index)? {
                self.fetch(repo, &shard)?;
            }
        }
        Ok(dir)
    }
}

/// The shard files named in an index file.
fn shard_names(index: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(index).map_err(|source| ModelError::Io {
        action: "read",
        path: index.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ModelError::Json {
            path: index.to_path_buf(),
            source,
        })?;
    let mut names: Vec<String> = value
        .get("weight_map")
        .and_then(serde_json::Value::as_object)
        .map(|m| {
            m.values()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Resolves `spec` to a local checkpoint directory: an existing directory is used as is,
/// anything else is taken as a hub id (`org/name`, optionally `org/name@revision`).
pub fn resolve_model(spec: &str, options: &HubOptions) -> Result<PathBuf> {
    let path = Path::new(spec);
    if path.is_dir() {
        return Ok(path.to_path_buf());
    }
    let (repo, revision) = match spec.split_once('@') {
        Some((repo, rev)) => (repo, Some(rev)),
        None => (spec, None),
    };
    if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
        return Err(ModelError::MissingFile {
            path: path.to_path_buf(),
            what: "it is neither a local checkpoint directory nor a hub id of the form org/name"
                .into(),
        });
    }
    let mut options = options.clone();
    if let Some(rev) = revision {
        options.revision = rev.to_string();
    }
    options.snapshot(repo)
}
