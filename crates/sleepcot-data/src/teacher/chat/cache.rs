//! The on-disk response cache: one JSON file per request, named by the SHA-256 of the request
//! body, so that no request is paid for twice and an interrupted run resumes where it stopped.
//!
//! The key covers the whole body (model, messages, temperature, max tokens) but not the URL or
//! the API key: the same request to the same model restarted on another port still hits. Files
//! are written atomically (temporary file + rename), so a crash never leaves a half entry.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::io::{IoError, write_bytes_atomic};

/// One cached exchange: the request body that was sent and the assistant's reply text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// The request body, as sent (never contains the API key, which travels in a header).
    pub request: serde_json::Value,
    /// The text of the first choice's message.
    pub content: String,
    /// The reply's `finish_reason`, when the server gave one.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// A directory of cached responses.
#[derive(Debug, Clone)]
pub struct ResponseCache {
    dir: PathBuf,
}

impl ResponseCache {
    /// A cache rooted at `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ResponseCache { dir: dir.into() }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a request body: lower-case hex SHA-256 of its bytes.
    pub fn key(body: &[u8]) -> String {
        crate::io::sha256_hex(body)
    }

    /// The file that holds (or will hold) the entry for `key`: `dir/ab/abcdef….json`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    /// The cached entry for `key`; a missing or unreadable file is a miss (it will be
    /// overwritten by the next successful request).
    pub fn get(&self, key: &str) -> Option<CacheEntry> {
        let bytes = fs::read(self.path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `entry` under `key`, atomically.
    pub fn put(&self, key: &str, entry: &CacheEntry) -> Result<(), IoError> {
        let bytes =
            serde_json::to_vec_pretty(entry).expect("serialising an in-memory entry cannot fail");
        write_bytes_atomic(&self.path(key), &bytes)
    }

    /// Number of entries on disk.
    pub fn len(&self) -> usize {
        let Ok(shards) = fs::read_dir(&self.dir) else {
            return 0;
        };
        shards
            .flatten()
            .filter_map(|d| fs::read_dir(d.path()).ok())
            .flat_map(|files| files.flatten())
            .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
            .count()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ResponseCache::new(tmp.path().join("c"));
        let key = ResponseCache::key(b"{\"a\":1}");
        assert_eq!(key.len(), 64);
        assert!(cache.get(&key).is_none());
        assert!(cache.is_empty());
        let entry = CacheEntry {
            request: serde_json::json!({"a": 1}),
            content: "Answer: B".into(),
            finish_reason: Some("stop".into()),
        };
        cache.put(&key, &entry).unwrap();
        assert_eq!(cache.get(&key), Some(entry));
        assert_eq!(cache.len(), 1);
        // A corrupt file is a miss, not an error.
        std::fs::write(cache.path(&key), b"{trunc").unwrap();
        assert!(cache.get(&key).is_none());
    }
}
