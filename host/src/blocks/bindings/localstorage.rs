//! `bindings.localstorage`: an output binding over files under a root
//! directory.
//!
//! Metadata: `rootPath` (required, created if missing). Operations:
//! `create` (request metadata `fileName`, else a random name; response data
//! `{"fileName": ...}` and metadata `fileName`), `get`, `delete` (both need
//! `fileName`) and `list` (response data: a JSON array of the file names,
//! relative to the root, `/`-separated). File names that would leave the
//! root are `invalid-argument`.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::BindingsBlock;
use crate::backend::embedded::{ComponentMetadata, required_metadata};
use crate::backend::{BackendResult, Error, Metadata, metadata_value};
use crate::blocks::EmbeddedComponent;
use crate::blocks::bindings::{Binding, Response};

/// The request/response metadata key naming the file.
const FILE_NAME: &str = "fileName";

/// One `bindings.localstorage` component.
#[derive(Debug)]
pub struct LocalStorageBinding {
    root: PathBuf,
}

impl LocalStorageBinding {
    /// The path of `name` under the root; names that could leave it are
    /// rejected.
    fn resolve(&self, name: &str) -> BackendResult<PathBuf> {
        let relative = Path::new(name);
        let mut normal = relative
            .components()
            .filter(|c| *c != Component::CurDir)
            .peekable();
        let escapes = normal.peek().is_none() || normal.any(|c| !matches!(c, Component::Normal(_)));
        if escapes || name.contains('\\') {
            return Err(Error::InvalidArgument(format!(
                "invalid {FILE_NAME} {name:?}"
            )));
        }
        Ok(self.root.join(relative))
    }

    /// The path named by the request's `fileName`.
    fn named(&self, metadata: &Metadata) -> BackendResult<(String, PathBuf)> {
        let name = metadata_value(metadata, FILE_NAME)
            .ok_or_else(|| Error::InvalidArgument(format!("metadata `{FILE_NAME}` is required")))?;
        Ok((name.to_string(), self.resolve(name)?))
    }

    async fn create(&self, data: Vec<u8>, metadata: &Metadata) -> BackendResult<Response> {
        let name = metadata_value(metadata, FILE_NAME)
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
        let path = self.resolve(&name)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(Error::internal)?;
        }
        tokio::fs::write(&path, data)
            .await
            .map_err(Error::internal)?;
        let body = serde_json::json!({ FILE_NAME: name })
            .to_string()
            .into_bytes();
        Ok(Response {
            data: body,
            metadata: vec![(FILE_NAME.to_string(), name)],
        })
    }

    async fn get(&self, metadata: &Metadata) -> BackendResult<Response> {
        let (name, path) = self.named(metadata)?;
        let data = tokio::fs::read(&path)
            .await
            .map_err(|e| file_error(&name, e))?;
        Ok(Response {
            data,
            metadata: vec![],
        })
    }

    async fn delete(&self, metadata: &Metadata) -> BackendResult<Response> {
        let (name, path) = self.named(metadata)?;
        tokio::fs::remove_file(&path)
            .await
            .map_err(|e| file_error(&name, e))?;
        Ok(Response {
            data: vec![],
            metadata: vec![],
        })
    }

    async fn list(&self) -> BackendResult<Response> {
        let mut names = Vec::new();
        let mut dirs = vec![self.root.clone()];
        while let Some(dir) = dirs.pop() {
            let mut entries = tokio::fs::read_dir(&dir).await.map_err(Error::internal)?;
            while let Some(entry) = entries.next_entry().await.map_err(Error::internal)? {
                let path = entry.path();
                if entry.file_type().await.map_err(Error::internal)?.is_dir() {
                    dirs.push(path);
                } else if let Ok(relative) = path.strip_prefix(&self.root) {
                    let parts: Vec<_> = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect();
                    names.push(parts.join("/"));
                }
            }
        }
        names.sort();
        let data = serde_json::to_vec(&names).map_err(Error::internal)?;
        Ok(Response {
            data,
            metadata: vec![],
        })
    }
}

/// Maps a file error: a missing file is `not-found`.
fn file_error(name: &str, err: std::io::Error) -> Error {
    match err.kind() {
        ErrorKind::NotFound => Error::NotFound(format!("file {name:?} not found")),
        _ => Error::Internal(format!("file {name:?}: {err}")),
    }
}

#[async_trait::async_trait]
impl Binding for LocalStorageBinding {
    async fn invoke(
        &self,
        operation: &str,
        data: Vec<u8>,
        metadata: &Metadata,
    ) -> BackendResult<Response> {
        match operation {
            "create" => self.create(data, metadata).await,
            "get" => self.get(metadata).await,
            "delete" => self.delete(metadata).await,
            "list" => self.list().await,
            other => Err(Error::Unsupported(format!(
                "bindings.localstorage has no operation {other:?}"
            ))),
        }
    }
}

impl EmbeddedComponent<BindingsBlock> for LocalStorageBinding {
    const TYPE: &'static str = "bindings.localstorage";

    /// Creates the binding from component metadata (`rootPath`).
    fn from_metadata(
        _component_name: &str,
        metadata: &ComponentMetadata,
    ) -> anyhow::Result<Arc<Self>> {
        let root = PathBuf::from(required_metadata(metadata, "rootPath")?);
        std::fs::create_dir_all(&root)
            .with_context(|| format!("cannot create rootPath {root:?}"))?;
        Ok(Arc::new(LocalStorageBinding { root }))
    }

    fn for_app(self: &Arc<Self>, _app_id: &str) -> Arc<dyn Binding> {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> (tempfile::TempDir, Arc<LocalStorageBinding>) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("files");
        let md = [("rootPath".to_string(), root.display().to_string())].into();
        (
            dir,
            LocalStorageBinding::from_metadata("store", &md).unwrap(),
        )
    }

    fn name(value: &str) -> Metadata {
        vec![(FILE_NAME.to_string(), value.to_string())]
    }

    #[tokio::test]
    async fn create_get_list_delete() {
        let (_dir, b) = binding();
        let created = b
            .invoke("create", b"hello".to_vec(), &name("a.txt"))
            .await
            .unwrap();
        assert_eq!(created.metadata, name("a.txt"));
        assert_eq!(created.data, br#"{"fileName":"a.txt"}"#);
        b.invoke("create", b"x".to_vec(), &name("sub/b.txt"))
            .await
            .unwrap();
        let random = b.invoke("create", vec![], &vec![]).await.unwrap();
        let random_name = random.metadata[0].1.clone();
        assert_eq!(
            b.invoke("get", vec![], &name("a.txt")).await.unwrap().data,
            b"hello"
        );
        let listed: Vec<String> =
            serde_json::from_slice(&b.invoke("list", vec![], &vec![]).await.unwrap().data).unwrap();
        let mut expected = vec!["a.txt".to_string(), random_name, "sub/b.txt".to_string()];
        expected.sort();
        assert_eq!(listed, expected);
        b.invoke("delete", vec![], &name("a.txt")).await.unwrap();
        assert!(matches!(
            b.invoke("get", vec![], &name("a.txt")).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            b.invoke("delete", vec![], &name("a.txt")).await,
            Err(Error::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn rejects_escaping_names_and_unknown_operations() {
        let (dir, b) = binding();
        for bad in ["../x", "/etc/passwd", "a/../../x", "", ".", "a\\..\\x"] {
            let result = b.invoke("create", b"x".to_vec(), &name(bad)).await;
            assert!(
                matches!(result, Err(Error::InvalidArgument(_))),
                "{bad}: {result:?}"
            );
            let result = b.invoke("get", vec![], &name(bad)).await;
            assert!(
                matches!(result, Err(Error::InvalidArgument(_))),
                "{bad}: {result:?}"
            );
        }
        assert!(!dir.path().join("x").exists());
        assert!(matches!(
            b.invoke("get", vec![], &vec![]).await,
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            b.invoke("rename", vec![], &vec![]).await,
            Err(Error::Unsupported(_))
        ));
    }
}
