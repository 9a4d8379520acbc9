//! Turns a core WebAssembly module (from AssemblyScript or any other
//! toolchain without Component Model support) into a component of one of the
//! `dapr:runtime` worlds.
//!
//! Steps: check that the module only imports WASI preview 1 and interfaces of
//! the world; rename the AssemblyScript export shims
//! ([`crate::assemblyscript::export_shim_name`]) to their canonical ABI
//! names; embed the world's component type with the chosen string encoding;
//! and encode the component with the WASI preview 1 adapter (the command
//! adapter when the module exports `_start`, which then becomes
//! `wasi:cli/run`; the reactor adapter otherwise).

use crate::WitFiles;
use crate::assemblyscript::decode_export_shim_name;
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};
use wit_parser::{Resolve, WorldId, WorldItem};

/// The string encoding the module's canonical ABI code uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (what most toolchains, such as Rust's, use).
    Utf8,
    /// UTF-16, what the AssemblyScript bindings use: AssemblyScript strings
    /// are UTF-16 already, so they cross the boundary without transcoding.
    #[default]
    Utf16,
}

impl std::str::FromStr for Encoding {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "utf8" => Ok(Encoding::Utf8),
            "utf16" => Ok(Encoding::Utf16),
            _ => bail!("unknown string encoding `{s}` (expected utf8 or utf16)"),
        }
    }
}

impl From<Encoding> for wit_component::StringEncoding {
    fn from(e: Encoding) -> Self {
        match e {
            Encoding::Utf8 => wit_component::StringEncoding::UTF8,
            Encoding::Utf16 => wit_component::StringEncoding::UTF16,
        }
    }
}

/// The `dapr:runtime` worlds a module can be componentized for.
pub const WORLDS: &[&str] = &["app", "client", "http-app", "actor-app"];

/// Builds a component of the world `world` ("app", "client", "http-app" or
/// "actor-app")
/// of the `dapr:runtime` package `wit` from the core module `module`, whose
/// strings use `encoding`.
pub fn componentize(
    module: &[u8],
    wit: WitFiles<'_>,
    world: &str,
    encoding: Encoding,
) -> Result<Vec<u8>> {
    if !WORLDS.contains(&world) {
        bail!(
            "unknown world `{world}` (expected one of {})",
            WORLDS.join(", ")
        );
    }
    let (resolve, pkg) = crate::load_wit(wit)?;
    let world_id = resolve.select_world(&[pkg], Some(world))?;
    componentize_with(module, &resolve, world_id, encoding)
}

/// [`componentize`] for a world of another WIT package (`wit_dir`, which
/// may `include` the worlds of `wit`), such as a test world that exports
/// more than `handler`.
pub fn componentize_with_wit(
    module: &[u8],
    wit: WitFiles<'_>,
    wit_dir: &std::path::Path,
    world: &str,
    encoding: Encoding,
) -> Result<Vec<u8>> {
    let (mut resolve, _) = crate::load_wit(wit)?;
    let (pkg, _) = resolve
        .push_dir(wit_dir)
        .with_context(|| format!("parsing the WIT in {}", wit_dir.display()))?;
    let world_id = resolve.select_world(&[pkg], Some(world))?;
    componentize_with(module, &resolve, world_id, encoding)
}

/// [`componentize`] for any world of any [`Resolve`].
pub fn componentize_with(
    module: &[u8],
    resolve: &Resolve,
    world: WorldId,
    encoding: Encoding,
) -> Result<Vec<u8>> {
    let Some((magic, version)) = module.get(..8).map(|header| header.split_at(4)) else {
        bail!("not a WebAssembly binary");
    };
    if magic != b"\0asm" {
        bail!("not a WebAssembly binary");
    }
    if version != [1, 0, 0, 0] {
        bail!("already a component (or not a core module); expected a core WebAssembly module");
    }
    let info = inspect(module)?;
    check_imports(&info, resolve, world)?;
    let world_name = &resolve.worlds[world].name;
    if info.needs_realloc && !info.exports.iter().any(|e| e == "cabi_realloc") {
        bail!(
            "the module does not export `cabi_realloc`, which the host needs to return strings and lists; \
             re-export the generated bindings' exports.ts from the entry file"
        );
    }

    let mut module = rename_exports(module)?;
    wit_component::embed_component_metadata(&mut module, resolve, world, encoding.into())
        .context("embedding the component type")?;
    let mut encoder = wit_component::ComponentEncoder::default()
        .module(&module)
        .context("reading the core module")?
        .validate(true);
    if info
        .imports
        .iter()
        .any(|(m, _)| m == WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME)
    {
        let adapter = if info.exports.iter().any(|e| e == "_start") {
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER
        } else {
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER
        };
        encoder = encoder.adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, adapter)?;
    }
    encoder
        .encode()
        .with_context(|| format!("encoding the module as a component of world `{world_name}`"))
}

/// What [`componentize`] needs to know about a core module.
struct ModuleInfo {
    /// (module, name) of every import.
    imports: Vec<(String, String)>,
    /// Every export name.
    exports: Vec<String>,
    /// Whether it imports something other than WASI (then results may need
    /// `cabi_realloc`).
    needs_realloc: bool,
}

fn inspect(module: &[u8]) -> Result<ModuleInfo> {
    let mut info = ModuleInfo {
        imports: Vec::new(),
        exports: Vec::new(),
        needs_realloc: false,
    };
    for payload in Parser::new(0).parse_all(module) {
        match payload.context("parsing the core module")? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    if !matches!(import.ty, TypeRef::Func(_)) {
                        bail!(
                            "the module imports {} `{}` from `{}`; only functions can be imported",
                            kind_name(&import.ty),
                            import.name,
                            import.module
                        );
                    }
                    info.imports
                        .push((import.module.to_string(), import.name.to_string()));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    info.exports.push(export?.name.to_string());
                }
            }
            _ => {}
        }
    }
    info.needs_realloc = info
        .imports
        .iter()
        .any(|(m, _)| m != WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME)
        || info
            .exports
            .iter()
            .any(|e| decode_export_shim_name(e).is_some());
    Ok(info)
}

fn kind_name(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => "the function",
        TypeRef::Table(_) => "a table",
        TypeRef::Memory(_) => "a memory",
        TypeRef::Global(_) => "a global",
        TypeRef::Tag(_) => "a tag",
    }
}

fn check_imports(info: &ModuleInfo, resolve: &Resolve, world: WorldId) -> Result<()> {
    let w = &resolve.worlds[world];
    let mut allowed = BTreeSet::new();
    for (key, item) in &w.imports {
        if let WorldItem::Interface { id, .. } = item {
            let name = resolve.name_world_key(key);
            let iface = &resolve.interfaces[*id];
            for f in iface.functions.keys() {
                allowed.insert((name.clone(), f.clone()));
            }
            for (ty_name, ty) in &iface.types {
                if matches!(resolve.types[*ty].kind, wit_parser::TypeDefKind::Resource) {
                    allowed.insert((name.clone(), format!("[resource-drop]{ty_name}")));
                }
            }
        }
    }
    for (module, name) in &info.imports {
        if module == WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME {
            continue;
        }
        if allowed.contains(&(module.clone(), name.clone())) {
            continue;
        }
        if module == "env" && matches!(name.as_str(), "abort" | "trace" | "seed") {
            bail!(
                "the module imports `env.{name}` (AssemblyScript's default runtime hooks); build it \
                 with `@assemblyscript/wasi-shim` (asc --config node_modules/@assemblyscript/wasi-shim/asconfig.json) \
                 or pass --use abort=... so that only WASI and dapr:runtime are imported"
            );
        }
        if allowed.iter().any(|(m, _)| m == module) {
            bail!("the module imports `{name}` from `{module}`, which has no such function");
        }
        bail!(
            "the module imports `{module}.{name}`, which is neither WASI preview 1 nor part of world `{}`",
            w.name
        );
    }
    Ok(())
}

fn leb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
}

/// Rewrites the export section so that AssemblyScript export shims carry
/// their canonical ABI names; every other section is copied unchanged.
fn rename_exports(module: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(module.len());
    let mut parser = Parser::new(0);
    let mut offset = 0;
    loop {
        let rest = module.get(offset..).context("truncated module")?;
        let (consumed, payload) = match parser.parse(rest, true)? {
            wasmparser::Chunk::Parsed { consumed, payload } => (consumed, payload),
            wasmparser::Chunk::NeedMoreData(_) => bail!("truncated module"),
        };
        match payload {
            Payload::End(_) => break,
            Payload::CodeSectionStart { size, .. } => {
                // Copy the whole code section at once and skip its entries.
                let start = offset;
                let end = usize::try_from(size)
                    .ok()
                    .and_then(|size| offset.checked_add(consumed)?.checked_add(size))
                    .filter(|end| *end <= module.len())
                    .context("truncated code section")?;
                out.extend_from_slice(&module[start..end]);
                parser.skip_section();
                offset = end;
                continue;
            }
            Payload::ExportSection(reader) => {
                let mut body = Vec::new();
                leb(u64::from(reader.count()), &mut body);
                for export in reader {
                    let export = export?;
                    let name = decode_export_shim_name(export.name)
                        .unwrap_or_else(|| export.name.to_string());
                    leb(name.len() as u64, &mut body);
                    body.extend_from_slice(name.as_bytes());
                    body.push(match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => 0,
                        ExternalKind::Table => 1,
                        ExternalKind::Memory => 2,
                        ExternalKind::Global => 3,
                        ExternalKind::Tag => 4,
                    });
                    leb(u64::from(export.index), &mut body);
                }
                out.push(7);
                leb(body.len() as u64, &mut out);
                out.extend_from_slice(&body);
            }
            _ => out.extend_from_slice(rest.get(..consumed).context("truncated module")?),
        }
        offset += consumed;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn componentize(module: &[u8], world: &str, encoding: Encoding) -> Result<Vec<u8>> {
        crate::test_wit::with(|wit| super::componentize(module, wit, world, encoding))
    }

    /// A core module (in text form) built by hand the way the AssemblyScript
    /// bindings build one.
    fn wat(body: &str) -> Vec<u8> {
        wat::parse_str(format!("(module {body} (memory (export \"memory\") 1))")).unwrap()
    }

    const REALLOC: &str =
        r#"(func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)"#;

    #[test]
    fn client_command_becomes_a_component() {
        let module = wat(&format!(
            r#"(import "dapr:runtime/lock@0.1.0" "unlock" (func (param i32 i32 i32 i32 i32 i32 i32)))
               (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
               {REALLOC}
               (func (export "_start"))"#
        ));
        let component = componentize(&module, "client", Encoding::Utf16).unwrap();
        assert_eq!(&component[4..8], &[0x0d, 0, 1, 0]);
        let text = wasmprinter_like(&component);
        assert!(
            text.contains("wasi:cli/run"),
            "command adapter exports wasi:cli/run"
        );
        assert!(text.contains("dapr:runtime/lock@0.1.0"));
    }

    #[test]
    fn app_exports_are_renamed() {
        let shim = |n: &str| crate::assemblyscript::export_shim_name(n);
        let h = "dapr:runtime/handler@0.1.0";
        let module = wat(&format!(
            r#"{REALLOC}
               (func (export "{}") (result i32) i32.const 0)
               (func (export "{}") (param i32))
               (func (export "{}") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32) i32.const 0)
               (func (export "{}") (param i32))
               (func (export "{}") (result i32) i32.const 0)
               (func (export "{}") (param i32))
               (func (export "{}") (param i32) (result i32) i32.const 0)
               (func (export "{}") (param i32 i32 i32 i32 i32 i32) (result i32) i32.const 0)
               (func (export "{}") (param i32))
               (func (export "{}") (param i32 i32) (result i32) i32.const 0)
               (func (export "{}") (param i32))
               (func (export "{}") (param i32 i32 i32 i32 i32 i32))
               (func (export "{}") (param i32 i32 i32 i32) (result i32) i32.const 0)
               (func (export "{}") (param i32))"#,
            shim(&format!("{h}#subscriptions")),
            shim(&format!("cabi_post_{h}#subscriptions")),
            shim(&format!("{h}#on-invoke")),
            shim(&format!("cabi_post_{h}#on-invoke")),
            shim(&format!("{h}#input-bindings")),
            shim(&format!("cabi_post_{h}#input-bindings")),
            shim(&format!("{h}#on-topic-event")),
            shim(&format!("{h}#on-binding-event")),
            shim(&format!("cabi_post_{h}#on-binding-event")),
            shim(&format!("{h}#on-bulk-topic-event")),
            shim(&format!("cabi_post_{h}#on-bulk-topic-event")),
            shim(&format!("{h}#on-configuration-update")),
            shim(&format!("{h}#on-job-event")),
            shim(&format!("cabi_post_{h}#on-job-event")),
        ));
        let component = componentize(&module, "app", Encoding::Utf16).unwrap();
        assert!(wasmprinter_like(&component).contains(&h.to_string()));
    }

    /// An HTTP app's module: resource methods and `[resource-drop]`
    /// imports, the `wasi:http/incoming-handler` export shim.
    #[test]
    fn http_app_with_resources_becomes_a_component() {
        let shim =
            crate::assemblyscript::export_shim_name("wasi:http/incoming-handler@0.2.12#handle");
        let t = "wasi:http/types@0.2.12";
        let module = wat(&format!(
            r#"(import "{t}" "[method]incoming-request.headers" (func (param i32) (result i32)))
               (import "{t}" "[resource-drop]fields" (func (param i32)))
               (import "{t}" "[resource-drop]incoming-request" (func (param i32)))
               (import "{t}" "[static]response-outparam.set" (func (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
               {REALLOC}
               (func (export "{shim}") (param i32 i32))"#
        ));
        let component = componentize(&module, "http-app", Encoding::Utf16).unwrap();
        let names = wasmprinter_like(&component);
        assert!(
            names.contains("wasi:http/incoming-handler@0.2.12"),
            "{names}"
        );
        assert!(names.contains(t), "{names}");

        // A drop of a resource the interface does not have is refused.
        let err = componentize(
            &wat(&format!(
                r#"(import "{t}" "[resource-drop]nothing" (func (param i32))) {REALLOC}"#
            )),
            "http-app",
            Encoding::Utf16,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no such function"), "{err}");
    }

    #[test]
    fn clear_errors() {
        let err = componentize(
            &wat(r#"(import "env" "abort" (func (param i32 i32 i32 i32)))"#),
            "client",
            Encoding::Utf16,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("wasi-shim"), "{err}");
        let err = componentize(
            &wat(r#"(import "dapr:runtime/state@0.1.0" "nope" (func))"#),
            "client",
            Encoding::Utf16,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("no such function"), "{err}");
        let err = componentize(&wat(r#"(import "dapr:runtime/lock@0.1.0" "unlock" (func (param i32 i32 i32 i32 i32 i32 i32)))"#), "client", Encoding::Utf16)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cabi_realloc"), "{err}");
        assert!(componentize(&wat(""), "nope", Encoding::Utf16).is_err());
        assert!(componentize(b"junk", "client", Encoding::Utf16).is_err());
    }

    /// The names a component's import and export sections mention.
    fn wasmprinter_like(component: &[u8]) -> String {
        let mut names = String::new();
        for payload in Parser::new(0).parse_all(component) {
            match payload.unwrap() {
                Payload::ComponentImportSection(r) => {
                    for i in r {
                        names.push_str(i.unwrap().name.name);
                        names.push('\n');
                    }
                }
                Payload::ComponentExportSection(r) => {
                    for e in r {
                        names.push_str(e.unwrap().name.name);
                        names.push('\n');
                    }
                }
                _ => {}
            }
        }
        names
    }
}
