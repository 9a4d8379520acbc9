//! AssemblyScript bindings for a WIT world.
//!
//! AssemblyScript compiles to core WebAssembly modules only, so the generator
//! emits the Component Model's canonical ABI by hand: every imported function
//! becomes an `@external(...) declare function` taking flat core values plus
//! an AssemblyScript wrapper that lowers its arguments and lifts its result;
//! every exported function becomes a shim that lifts the arguments, calls an
//! implementation registered at run time, and lowers the result.
//!
//! Strings use the canonical ABI's `utf16` encoding. AssemblyScript strings
//! are UTF-16 in linear memory, so a string argument is passed as a pointer
//! to its characters without any transcoding or copy, and strings coming back
//! are decoded with `String.UTF16.decodeUnsafe`. The component produced from
//! the module must therefore declare `string-encoding=utf16`, which
//! [`super::componentize::componentize`] does with
//! [`super::componentize::Encoding::Utf16`].
//!
//! Output layout (relative to the output directory):
//!
//! * `rt.ts`: runtime support (`cabi_realloc`, `Result`, `Box`, tuples,
//!   deferred frees of argument buffers).
//! * `<namespace>/<package>/<interface>.ts`: one module per interface the
//!   world imports or exports, holding its types and functions.
//! * `exports.ts`: the wasm exports the entry file must re-export
//!   (`cabi_realloc`, and the export shims of the world).

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use wit_parser::{
    Docs, Function, FunctionKind, InterfaceId, PackageId, Resolve, Type, TypeDefKind, TypeId,
    TypeOwner, WorldId, WorldItem, WorldKey,
};

/// The prefix of AssemblyScript export shims; see [`export_shim_name`].
pub const EXPORT_PREFIX: &str = "witexp_";

/// Most flat parameters a function takes before they are passed in memory.
const MAX_FLAT_PARAMS: usize = 16;
/// Most flat results a function returns before they are returned in memory.
const MAX_FLAT_RESULTS: usize = 1;

/// Loads the embedded `dapr:runtime` package (with its WASI dependencies)
/// into a [`Resolve`]; returns it with the id of the `dapr:runtime` package.
pub fn load_dapr_resolve() -> Result<(Resolve, PackageId)> {
    let dir = tempfile::tempdir().context("creating a temporary WIT directory")?;
    for (path, text) in crate::wit_files::FILES {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap())?;
        std::fs::write(&file, text)?;
    }
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve
        .push_dir(dir.path())
        .context("parsing the dapr:runtime WIT")?;
    Ok((resolve, pkg))
}

/// Generates AssemblyScript bindings for `world`, as (relative path, source)
/// pairs; see the module documentation for the layout.
pub fn generate_assemblyscript(
    resolve: &Resolve,
    world: WorldId,
) -> Result<BTreeMap<String, String>> {
    let w = &resolve.worlds[world];
    let mut files = BTreeMap::new();
    let mut g = Gen {
        resolve,
        tuples: BTreeSet::new(),
    };
    let mut export_lines = vec!["export { cabi_realloc } from \"./rt\";".to_string()];

    // Interfaces a world imports may `use` types of interfaces it does not
    // name; generate those as type-only modules.
    let mut type_only: BTreeSet<InterfaceId> = BTreeSet::new();
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for (key, item) in &w.imports {
        match item {
            WorldItem::Interface { id, .. } => imports.push((key.clone(), *id)),
            WorldItem::Function(f) => bail!(
                "world `{}` imports the bare function `{}`; only interfaces are supported",
                w.name,
                f.name
            ),
            WorldItem::Type { id, .. } => {
                if let TypeOwner::Interface(i) = resolve.types[*id].owner {
                    type_only.insert(i);
                }
            }
        }
    }
    for (key, item) in &w.exports {
        match item {
            WorldItem::Interface { id, .. } => exports.push((key.clone(), *id)),
            _ => bail!(
                "world `{}` exports something other than an interface",
                w.name
            ),
        }
    }
    let mut done = BTreeSet::new();
    for (key, id) in &imports {
        let src = g.interface(key, *id, Direction::Import)?;
        files.insert(g.iface_path(*id)?, src);
        done.insert(*id);
    }
    for (key, id) in &exports {
        let src = g.interface(key, *id, Direction::Export)?;
        let path = g.iface_path(*id)?;
        if done.contains(id) {
            bail!("interface {path} is both imported and exported; not supported");
        }
        let mut shims = Vec::new();
        let qualified = resolve.name_world_key(key);
        for func in resolve.interfaces[*id].functions.values() {
            let name = format!("{qualified}#{}", func.name);
            shims.push(export_shim_name(&name));
            let flat = func.result.map(|r| g.flat_of(&r).len()).unwrap_or(0);
            if flat > MAX_FLAT_RESULTS {
                shims.push(export_shim_name(&format!("cabi_post_{name}")));
            }
        }
        export_lines.push(format!(
            "export {{\n  {},\n}} from \"./{}\";",
            shims.join(",\n  "),
            path.trim_end_matches(".ts")
        ));
        files.insert(path, src);
        done.insert(*id);
    }
    for id in type_only {
        if !done.contains(&id) {
            let key = WorldKey::Interface(id);
            let src = g.interface(&key, id, Direction::Import)?;
            files.insert(g.iface_path(id)?, src);
        }
    }
    files.insert("rt.ts".into(), g.runtime());
    let mut exports_ts = header(&format!(
        "The wasm exports of world `{}`: re-export everything here from the\n// entry file (`export * from \"<this file>\";`).",
        w.name
    ));
    for line in export_lines {
        exports_ts.push_str(&line);
        exports_ts.push('\n');
    }
    files.insert("exports.ts".into(), exports_ts);
    Ok(files)
}

/// Generates bindings for the world `world` ("client", "app", ...) of the
/// embedded `dapr:runtime` package and writes them below `out_dir`; returns
/// the files written.
pub fn write_assemblyscript(out_dir: &Path, world: &str) -> Result<Vec<PathBuf>> {
    let (resolve, pkg) = load_dapr_resolve()?;
    let world = resolve.select_world(&[pkg], Some(world))?;
    let files = generate_assemblyscript(&resolve, world)?;
    let mut written = Vec::new();
    for (path, text) in files {
        let file = out_dir.join(&path);
        std::fs::create_dir_all(file.parent().unwrap())
            .with_context(|| format!("creating {}", file.parent().unwrap().display()))?;
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        written.push(file);
    }
    Ok(written)
}

/// The AssemblyScript name under which the shim for the core export `name`
/// (such as `dapr:runtime/handler@0.1.0#on-invoke`) is exported; the
/// componentizer renames it back with [`decode_export_shim_name`].
pub fn export_shim_name(name: &str) -> String {
    let mut out = String::from(EXPORT_PREFIX);
    for c in name.chars() {
        match c {
            '_' => out.push_str("__"),
            ':' => out.push_str("_C"),
            '/' => out.push_str("_S"),
            '@' => out.push_str("_A"),
            '.' => out.push_str("_D"),
            '#' => out.push_str("_H"),
            '-' => out.push_str("_M"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            c => {
                let _ = write!(out, "_U{:06x}", c as u32);
            }
        }
    }
    out
}

/// Reverses [`export_shim_name`]; `None` if `shim` is not such a name.
pub fn decode_export_shim_name(shim: &str) -> Option<String> {
    let rest = shim.strip_prefix(EXPORT_PREFIX)?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        if c != '_' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '_' => '_',
            'C' => ':',
            'S' => '/',
            'A' => '@',
            'D' => '.',
            'H' => '#',
            'M' => '-',
            'U' => {
                let hex: String = chars.by_ref().take(6).collect();
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            _ => return None,
        });
    }
    Some(out)
}

fn header(what: &str) -> String {
    format!(
        "// Generated by `wasmtime-dapr bindgen assemblyscript`; do not edit.\n//\n// {what}\n//\n// Strings cross the component boundary as UTF-16 (the component is built\n// with `string-encoding=utf16`): AssemblyScript strings are UTF-16 already,\n// so arguments are passed in place and results decoded without transcoding.\n\n"
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Core {
    I32,
    I64,
    F32,
    F64,
}

impl Core {
    fn name(self) -> &'static str {
        match self {
            Core::I32 => "i32",
            Core::I64 => "i64",
            Core::F32 => "f32",
            Core::F64 => "f64",
        }
    }
}

fn join(a: Core, b: Core) -> Core {
    match (a, b) {
        _ if a == b => a,
        (Core::I32, Core::F32) | (Core::F32, Core::I32) => Core::I32,
        _ => Core::I64,
    }
}

/// Converts `expr` of core type `from` to the joined slot type `to`.
fn widen(expr: &str, from: Core, to: Core) -> String {
    match (from, to) {
        _ if from == to => expr.to_string(),
        (Core::I32, Core::I64) => format!("<i64><u32>({expr})"),
        (Core::F32, Core::I32) => format!("reinterpret<i32>({expr})"),
        (Core::F32, Core::I64) => format!("<i64><u32>reinterpret<i32>({expr})"),
        (Core::F64, Core::I64) => format!("reinterpret<i64>({expr})"),
        _ => unreachable!("no join from {from:?} to {to:?}"),
    }
}

/// Converts `expr` of joined slot type `from` back to core type `to`.
fn narrow(expr: &str, from: Core, to: Core) -> String {
    match (from, to) {
        _ if from == to => expr.to_string(),
        (Core::I64, Core::I32) => format!("<i32>({expr})"),
        (Core::I32, Core::F32) => format!("reinterpret<f32>({expr})"),
        (Core::I64, Core::F32) => format!("reinterpret<f32>(<i32>({expr}))"),
        (Core::I64, Core::F64) => format!("reinterpret<f64>({expr})"),
        _ => unreachable!("no narrowing from {from:?} to {to:?}"),
    }
}

fn align_to(n: usize, a: usize) -> usize {
    n.div_ceil(a) * a
}

fn disc_size(cases: usize) -> usize {
    if cases <= 1 << 8 {
        1
    } else if cases <= 1 << 16 {
        2
    } else {
        4
    }
}

fn disc_ty(cases: usize) -> &'static str {
    match disc_size(cases) {
        1 => "u8",
        2 => "u16",
        _ => "u32",
    }
}

fn upper_camel(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn lower_camel(name: &str) -> String {
    let u = upper_camel(name);
    let mut c = u.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => u,
    }
}

const RESERVED_WORDS: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "is",
    "keyof",
    "let",
    "module",
    "namespace",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Type names that would shadow AssemblyScript globals or `rt.ts` names.
const RESERVED_TYPES: &[&str] = &[
    "Array",
    "ArrayBuffer",
    "Boolean",
    "Box",
    "DataView",
    "Date",
    "Error",
    "Function",
    "JSON",
    "Map",
    "Math",
    "Number",
    "Object",
    "Promise",
    "RegExp",
    "Result",
    "Set",
    "StaticArray",
    "String",
    "Symbol",
    "Uint8Array",
    "Unit",
];

/// Names the generated function bodies use; parameters must not shadow them.
const BODY_NAMES: &[&str] = &[
    "abort",
    "args",
    "assert",
    "changetype",
    "heap",
    "load",
    "mark",
    "memory",
    "reinterpret",
    "result",
    "ret",
    "retptr",
    "rt",
    "store",
    "unchecked",
    "unreachable",
    "zero",
];

/// The name of a function parameter.
fn param_ident(name: &str) -> String {
    let n = ident(name);
    if BODY_NAMES.contains(&n.as_str()) {
        format!("{n}_")
    } else {
        n
    }
}

fn ident(name: &str) -> String {
    let n = lower_camel(name);
    if RESERVED_WORDS.contains(&n.as_str()) {
        format!("{n}_")
    } else {
        n
    }
}

enum Direction {
    Import,
    Export,
}

struct Gen<'a> {
    resolve: &'a Resolve,
    tuples: BTreeSet<usize>,
}

impl Gen<'_> {
    fn iface_path(&self, id: InterfaceId) -> Result<String> {
        let iface = &self.resolve.interfaces[id];
        let name = iface
            .name
            .as_deref()
            .context("anonymous interfaces are not supported")?;
        let pkg = &self.resolve.packages[iface.package.context("interface without package")?];
        Ok(format!(
            "{}/{}/{}.ts",
            pkg.name.namespace, pkg.name.name, name
        ))
    }

    fn type_name(&self, id: TypeId) -> String {
        let td = &self.resolve.types[id];
        let name = upper_camel(td.name.as_deref().unwrap());
        let reserved = RESERVED_TYPES.contains(&name.as_str())
            || (name.starts_with("Tuple") && name[5..].chars().all(|c| c.is_ascii_digit()));
        if !reserved {
            return name;
        }
        let prefix = match td.owner {
            TypeOwner::Interface(i) => self.resolve.interfaces[i]
                .package
                .map(|p| upper_camel(&self.resolve.packages[p].name.namespace))
                .unwrap_or_default(),
            _ => String::new(),
        };
        if prefix.is_empty() {
            format!("Wit{name}")
        } else {
            format!("{prefix}{name}")
        }
    }

    /// Follows unnamed aliases and `use`d aliases to the type they stand for.
    fn unalias(&self, ty: &Type) -> Type {
        let mut ty = *ty;
        while let Type::Id(id) = ty {
            match &self.resolve.types[id].kind {
                TypeDefKind::Type(t) => ty = *t,
                _ => break,
            }
        }
        ty
    }

    fn kind(&self, ty: &Type) -> Option<&TypeDefKind> {
        match self.unalias(ty) {
            Type::Id(id) => Some(&self.resolve.types[id].kind),
            _ => None,
        }
    }

    fn is_bytes(&self, elem: &Type) -> bool {
        self.unalias(elem) == Type::U8
    }

    /// Whether the AssemblyScript type of `ty` is a value (not a reference).
    fn is_value(&self, ty: &Type) -> bool {
        match self.kind(ty) {
            None => !matches!(self.unalias(ty), Type::String),
            Some(TypeDefKind::Enum(_)) => true,
            Some(_) => false,
        }
    }

    fn is_nullable(&self, ty: &Type) -> bool {
        matches!(self.kind(ty), Some(TypeDefKind::Option(_)))
    }

    fn boxed(&self, ty: &Type) -> bool {
        self.is_value(ty) || self.is_nullable(ty)
    }

    fn check(&self, ty: &Type, seen: &mut BTreeSet<TypeId>) -> Result<()> {
        let id = match ty {
            Type::ErrorContext => bail!("error-context is not supported"),
            Type::Id(id) => *id,
            _ => return Ok(()),
        };
        if !seen.insert(id) {
            return Ok(());
        }
        let td = &self.resolve.types[id];
        let what = td
            .name
            .clone()
            .unwrap_or_else(|| "an anonymous type".into());
        match &td.kind {
            TypeDefKind::Record(r) => {
                for f in &r.fields {
                    self.check(&f.ty, seen)?;
                }
            }
            TypeDefKind::Tuple(t) => {
                for t in &t.types {
                    self.check(t, seen)?;
                }
            }
            TypeDefKind::Variant(v) => {
                for c in &v.cases {
                    if let Some(t) = &c.ty {
                        self.check(t, seen)?;
                    }
                }
            }
            TypeDefKind::Enum(_) => {}
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                self.check(t, seen)?
            }
            TypeDefKind::Result(r) => {
                if let Some(t) = &r.ok {
                    self.check(t, seen)?;
                }
                if let Some(t) = &r.err {
                    self.check(t, seen)?;
                }
            }
            TypeDefKind::Flags(_) => bail!("flags ({what}) are not supported"),
            TypeDefKind::Resource | TypeDefKind::Handle(_) => {
                bail!("resources ({what}) are not supported")
            }
            TypeDefKind::Future(_) | TypeDefKind::Stream(_) => {
                bail!("futures and streams ({what}) are not supported")
            }
            TypeDefKind::Map(..) | TypeDefKind::FixedLengthList(..) => {
                bail!("maps and fixed-length lists ({what}) are not supported")
            }
            TypeDefKind::Unknown => bail!("unresolved type {what}"),
        }
        Ok(())
    }

    // ---- canonical ABI layout -------------------------------------------

    fn size(&self, ty: &Type) -> usize {
        match ty {
            Type::Bool | Type::U8 | Type::S8 => 1,
            Type::U16 | Type::S16 => 2,
            Type::U32 | Type::S32 | Type::F32 | Type::Char | Type::ErrorContext => 4,
            Type::U64 | Type::S64 | Type::F64 => 8,
            Type::String => 8,
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.size(t),
                TypeDefKind::List(_) => 8,
                TypeDefKind::Record(r) => self.record_layout(r.fields.iter().map(|f| &f.ty)).1,
                TypeDefKind::Tuple(t) => self.record_layout(t.types.iter()).1,
                TypeDefKind::Enum(e) => disc_size(e.cases.len()),
                TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                    self.variant_layout(&self.cases(ty)).2
                }
                _ => unreachable!(),
            },
        }
    }

    fn align(&self, ty: &Type) -> usize {
        match ty {
            Type::String => 4,
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.align(t),
                TypeDefKind::List(_) => 4,
                TypeDefKind::Record(r) => self.record_layout(r.fields.iter().map(|f| &f.ty)).2,
                TypeDefKind::Tuple(t) => self.record_layout(t.types.iter()).2,
                TypeDefKind::Enum(e) => disc_size(e.cases.len()),
                TypeDefKind::Variant(_) | TypeDefKind::Option(_) | TypeDefKind::Result(_) => {
                    self.variant_layout(&self.cases(ty)).3
                }
                _ => unreachable!(),
            },
            t => self.size(t),
        }
    }

    /// (field offsets, size, alignment) of a record of `types`.
    fn record_layout<'t>(
        &self,
        types: impl Iterator<Item = &'t Type>,
    ) -> (Vec<usize>, usize, usize) {
        let mut offsets = Vec::new();
        let mut off = 0;
        let mut max = 1;
        for t in types {
            let a = self.align(t);
            off = align_to(off, a);
            offsets.push(off);
            off += self.size(t);
            max = max.max(a);
        }
        (offsets, align_to(off, max), max)
    }

    /// The payload types of a variant-like type, one per case.
    fn cases(&self, ty: &Type) -> Vec<Option<Type>> {
        match self.kind(ty).unwrap() {
            TypeDefKind::Variant(v) => v.cases.iter().map(|c| c.ty).collect(),
            TypeDefKind::Option(t) => vec![None, Some(*t)],
            TypeDefKind::Result(r) => vec![r.ok, r.err],
            TypeDefKind::Enum(e) => vec![None; e.cases.len()],
            _ => unreachable!(),
        }
    }

    /// (discriminant size, payload offset, size, alignment) of a variant.
    fn variant_layout(&self, cases: &[Option<Type>]) -> (usize, usize, usize, usize) {
        let d = disc_size(cases.len());
        let mut max_align = d;
        let mut max_size = 0;
        for t in cases.iter().flatten() {
            max_align = max_align.max(self.align(t));
            max_size = max_size.max(self.size(t));
        }
        let payload = align_to(d, max_align);
        (
            d,
            payload,
            align_to(payload + max_size, max_align),
            max_align,
        )
    }

    fn flat(&self, ty: &Type, out: &mut Vec<Core>) {
        match ty {
            Type::U64 | Type::S64 => out.push(Core::I64),
            Type::F32 => out.push(Core::F32),
            Type::F64 => out.push(Core::F64),
            Type::String => out.extend([Core::I32, Core::I32]),
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Type(t) => self.flat(t, out),
                TypeDefKind::List(_) => out.extend([Core::I32, Core::I32]),
                TypeDefKind::Record(r) => r.fields.iter().for_each(|f| self.flat(&f.ty, out)),
                TypeDefKind::Tuple(t) => t.types.iter().for_each(|t| self.flat(t, out)),
                TypeDefKind::Enum(_) => out.push(Core::I32),
                _ => {
                    out.push(Core::I32);
                    let mut payload: Vec<Core> = Vec::new();
                    for t in self.cases(ty).iter().flatten() {
                        let mut f = Vec::new();
                        self.flat(t, &mut f);
                        for (i, c) in f.into_iter().enumerate() {
                            if i < payload.len() {
                                payload[i] = join(payload[i], c);
                            } else {
                                payload.push(c);
                            }
                        }
                    }
                    out.extend(payload);
                }
            },
            _ => out.push(Core::I32),
        }
    }

    fn flat_of(&self, ty: &Type) -> Vec<Core> {
        let mut v = Vec::new();
        self.flat(ty, &mut v);
        v
    }

    // ---- interfaces ------------------------------------------------------

    fn interface(&mut self, key: &WorldKey, id: InterfaceId, dir: Direction) -> Result<String> {
        let resolve = self.resolve;
        let iface = &resolve.interfaces[id];
        let qualified = self.resolve.name_world_key(key);
        let mut f = File {
            g: self,
            iface: id,
            imports: BTreeMap::new(),
            rt: BTreeSet::new(),
            tmp: 0,
        };
        let mut body = String::new();
        let mut seen = BTreeSet::new();
        for (_, ty) in &iface.types {
            f.g.check(&Type::Id(*ty), &mut seen)?;
        }
        for func in iface.functions.values() {
            if !matches!(func.kind, FunctionKind::Freestanding) {
                bail!(
                    "function `{}` of `{qualified}` is not a plain function",
                    func.name
                );
            }
            for p in &func.params {
                f.g.check(&p.ty, &mut seen)
                    .with_context(|| format!("in `{}`", func.name))?;
            }
            if let Some(r) = &func.result {
                f.g.check(r, &mut seen)
                    .with_context(|| format!("in `{}`", func.name))?;
            }
        }
        for (_, ty) in &iface.types {
            f.typedef(*ty, &mut body);
        }
        let mut ret_area = (0usize, 1usize);
        match dir {
            Direction::Import => {
                for func in iface.functions.values() {
                    f.import_func(&qualified, func, &mut body, &mut ret_area);
                }
            }
            Direction::Export => f.export_funcs(
                &qualified,
                iface.functions.values(),
                &mut body,
                &mut ret_area,
            ),
        }
        let mut out = header(&format!(
            "Interface `{qualified}`{}.",
            if matches!(dir, Direction::Import) {
                " (imported)"
            } else {
                " (exported)"
            }
        ));
        let depth = f.g.iface_path(id)?.matches('/').count();
        let up = "../".repeat(depth);
        f.rt.insert("zero".into());
        let rt: Vec<_> = f.rt.iter().cloned().collect();
        let _ = writeln!(out, "import {{ {} }} from \"{up}rt\";", rt.join(", "));
        let _ = writeln!(out, "import * as rt from \"{up}rt\";");
        for (path, names) in &f.imports {
            let names: Vec<_> = names.iter().cloned().collect();
            let _ = writeln!(
                out,
                "import {{ {} }} from \"{up}{}\";",
                names.join(", "),
                path.trim_end_matches(".ts")
            );
        }
        // Re-export `use`d types so users find them in this module too.
        for (name, ty) in &iface.types {
            if let TypeDefKind::Type(Type::Id(orig)) = &f.g.resolve.types[*ty].kind {
                let orig_td = &f.g.resolve.types[*orig];
                if orig_td.owner != TypeOwner::Interface(id) && orig_td.name.is_some() {
                    let _ = name;
                    let n = f.g.type_name(*orig);
                    let _ = writeln!(out, "export {{ {n} }};");
                }
            }
        }
        out.push('\n');
        if let Some(d) = &iface.docs.contents {
            out.push_str(&doc_comment(d, ""));
            out.push('\n');
        }
        if ret_area.0 > 0 {
            let _ = writeln!(
                out,
                "// Return area of this module's calls.\nconst RET_AREA: usize = memory.data({}, {});\n",
                ret_area.0, ret_area.1
            );
        }
        out.push_str(&body);
        Ok(out)
    }

    fn runtime(&self) -> String {
        let mut out = header("Runtime support shared by the generated modules.");
        out.push_str(RUNTIME_TS);
        let arities: BTreeSet<usize> = (1..=4).chain(self.tuples.iter().copied()).collect();
        for n in arities {
            let params: Vec<String> = (0..n).map(|i| format!("T{i}")).collect();
            let fields: Vec<String> = (0..n).map(|i| format!("public f{i}: T{i}")).collect();
            let _ = writeln!(
                out,
                "\n/** A WIT `tuple` of {n} element(s). */\nexport class Tuple{n}<{}> {{\n  constructor({}) {{}}\n}}",
                params.join(", "),
                fields.join(", ")
            );
        }
        out
    }
}

fn doc_comment(docs: &str, indent: &str) -> String {
    let mut out = format!("{indent}/**\n");
    for line in docs.trim().lines() {
        let line = line.replace("*/", "* /");
        if line.trim().is_empty() {
            let _ = writeln!(out, "{indent} *");
        } else {
            let _ = writeln!(out, "{indent} * {line}");
        }
    }
    let _ = writeln!(out, "{indent} */");
    out
}

fn docs_of(docs: &Docs, indent: &str) -> String {
    docs.contents
        .as_deref()
        .map(|d| doc_comment(d, indent))
        .unwrap_or_default()
}

/// One generated module.
struct File<'g, 'a> {
    g: &'g mut Gen<'a>,
    iface: InterfaceId,
    imports: BTreeMap<String, BTreeSet<String>>,
    rt: BTreeSet<String>,
    tmp: usize,
}

/// A flat core value slot: (local name, joined core type).
type Slot = (String, Core);

impl File<'_, '_> {
    fn tmp(&mut self, what: &str) -> String {
        self.tmp += 1;
        format!("{what}{}", self.tmp)
    }

    fn named(&mut self, id: TypeId) -> String {
        let name = self.g.type_name(id);
        if let TypeOwner::Interface(owner) = self.g.resolve.types[id].owner
            && owner != self.iface
        {
            let path = self.g.iface_path(owner).expect("named interface");
            self.imports.entry(path).or_default().insert(name.clone());
        }
        name
    }

    /// The AssemblyScript type of `ty`.
    fn ty(&mut self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 | Type::Char => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 | Type::ErrorContext => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::String => "string".into(),
            Type::Id(id) => {
                let td = &self.g.resolve.types[*id];
                if let TypeDefKind::Type(t) = &td.kind {
                    return self.ty(&t.clone());
                }
                if td.name.is_some() {
                    return self.named(*id);
                }
                self.anon_ty(*id)
            }
        }
    }

    /// The AssemblyScript type of an unnamed (structural) WIT type.
    fn anon_ty(&mut self, id: TypeId) -> String {
        let kind = self.g.resolve.types[id].kind.clone();
        match kind {
            TypeDefKind::List(t) if self.g.is_bytes(&t) => "Uint8Array".into(),
            TypeDefKind::List(t) => format!("Array<{}>", self.ty(&t)),
            TypeDefKind::Option(t) => {
                if self.g.boxed(&t) {
                    self.rt.insert("Box".into());
                    format!("Box<{}> | null", self.ty(&t))
                } else {
                    format!("{} | null", self.ty(&t))
                }
            }
            TypeDefKind::Result(r) => {
                self.rt.insert("Result".into());
                let ok = self.opt_ty(r.ok.as_ref());
                let err = self.opt_ty(r.err.as_ref());
                format!("Result<{ok}, {err}>")
            }
            TypeDefKind::Tuple(t) => {
                let n = t.types.len();
                self.g.tuples.insert(n);
                self.rt.insert(format!("Tuple{n}"));
                let args: Vec<String> = t.types.iter().map(|t| self.ty(t)).collect();
                format!("Tuple{n}<{}>", args.join(", "))
            }
            _ => unreachable!("named-only kind without a name"),
        }
    }

    fn opt_ty(&mut self, ty: Option<&Type>) -> String {
        match ty {
            Some(t) => self.ty(t),
            None => {
                self.rt.insert("Unit".into());
                "Unit".into()
            }
        }
    }

    // ---- type definitions ---------------------------------------------

    fn typedef(&mut self, id: TypeId, out: &mut String) {
        let td = self.g.resolve.types[id].clone();
        let name = self.g.type_name(id);
        let docs = docs_of(&td.docs, "");
        match &td.kind {
            TypeDefKind::Type(_) => {} // `use`d: re-exported by the caller
            TypeDefKind::Record(r) => {
                out.push_str(&docs);
                let _ = writeln!(out, "export class {name} {{\n  constructor(");
                for f in &r.fields {
                    let t = self.ty(&f.ty);
                    out.push_str(&docs_of(&f.docs, "    "));
                    let _ = writeln!(out, "    public {}: {t},", ident(&f.name));
                }
                out.push_str("  ) {}\n}\n\n");
            }
            TypeDefKind::Enum(e) => {
                out.push_str(&docs);
                let _ = writeln!(out, "export enum {name} {{");
                for (i, c) in e.cases.iter().enumerate() {
                    out.push_str(&docs_of(&c.docs, "  "));
                    let _ = writeln!(out, "  {} = {i},", upper_camel(&c.name));
                }
                out.push_str("}\n\n");
            }
            TypeDefKind::Variant(v) => {
                out.push_str(&docs);
                let _ = writeln!(out, "export class {name} {{");
                let _ = writeln!(
                    out,
                    "  /** The case: one of the `{name}.*_TAG` constants. */\n  tag: {} = 0;",
                    disc_ty(v.cases.len())
                );
                let mut fields = String::new();
                let mut methods = String::new();
                for (i, c) in v.cases.iter().enumerate() {
                    let tag = format!("{}_TAG", c.name.to_uppercase().replace('-', "_"));
                    let _ = writeln!(
                        out,
                        "  static readonly {tag}: {} = {i};",
                        disc_ty(v.cases.len())
                    );
                    let case = upper_camel(&c.name);
                    let field = format!("_{}", lower_camel(&c.name));
                    methods.push_str(&docs_of(&c.docs, "  "));
                    match &c.ty {
                        None => {
                            let _ = writeln!(
                                methods,
                                "  static {}(): {name} {{ const v = new {name}(); v.tag = {i}; return v; }}",
                                ident(&c.name)
                            );
                        }
                        Some(t) => {
                            let ty = self.ty(t);
                            let (decl, get) = if self.g.is_value(t) {
                                (format!("{ty} = <{ty}>0"), format!("this.{field}"))
                            } else if self.g.is_nullable(t) {
                                (format!("{ty} = null"), format!("this.{field}"))
                            } else {
                                (format!("{ty} | null = null"), format!("this.{field}!"))
                            };
                            let _ = writeln!(fields, "  private {field}: {decl};");
                            let _ = writeln!(
                                methods,
                                "  static {}(value: {ty}): {name} {{ const v = new {name}(); v.tag = {i}; v.{field} = value; return v; }}",
                                ident(&c.name)
                            );
                            let _ = writeln!(
                                methods,
                                "  /** The payload of case `{}`; aborts for another case. */\n  get{case}(): {ty} {{ assert(this.tag == {i}, \"not case {}\"); return {get}; }}",
                                c.name, c.name
                            );
                        }
                    }
                    let _ = writeln!(methods, "  is{case}(): bool {{ return this.tag == {i}; }}");
                }
                out.push_str(&fields);
                out.push_str(&methods);
                let _ = writeln!(
                    out,
                    "  /** The WIT name of the case. */\n  caseName(): string {{\n    switch (this.tag) {{"
                );
                for (i, c) in v.cases.iter().enumerate() {
                    let _ = writeln!(out, "      case {i}: return \"{}\";", c.name);
                }
                out.push_str("      default: return \"?\";\n    }\n  }\n}\n\n");
            }
            _ => {
                // A named list, option, result or tuple: a type alias.
                out.push_str(&docs);
                let t = self.anon_ty(id);
                let _ = writeln!(out, "export type {name} = {t};\n");
            }
        }
    }

    // ---- lowering ----------------------------------------------------------

    /// Binds `val` to a fresh local unless it is one already.
    fn bind(&mut self, val: &str, ty: &Type, b: &mut String) -> String {
        if val.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return val.to_string();
        }
        let v = self.tmp("v");
        let t = self.ty(ty);
        let _ = writeln!(b, "const {v}: {t} = {val};");
        v
    }

    fn set(&self, slot: &Slot, expr: &str, natural: Core, b: &mut String) {
        let _ = writeln!(b, "{} = {};", slot.0, widen(expr, natural, slot.1));
    }

    /// Lowers `val` of type `ty` into the flat `slots`.
    fn lower_flat(&mut self, ty: &Type, val: &str, slots: &[Slot], b: &mut String) {
        match ty {
            Type::Bool => self.set(&slots[0], &format!("{val} ? 1 : 0"), Core::I32, b),
            Type::U64 | Type::S64 => self.set(&slots[0], &format!("<i64>{val}"), Core::I64, b),
            Type::F32 => self.set(&slots[0], val, Core::F32, b),
            Type::F64 => self.set(&slots[0], val, Core::F64, b),
            Type::String => {
                let v = self.bind(val, ty, b);
                self.set(
                    &slots[0],
                    &format!("<i32>changetype<usize>({v})"),
                    Core::I32,
                    b,
                );
                self.set(&slots[1], &format!("{v}.length"), Core::I32, b);
            }
            Type::Id(id) => {
                let kind = self.g.resolve.types[*id].kind.clone();
                match kind {
                    TypeDefKind::Type(t) => self.lower_flat(&t, val, slots, b),
                    TypeDefKind::List(e) => {
                        let (p, l) = self.lower_list(&e, ty, val, b);
                        self.set(&slots[0], &p, Core::I32, b);
                        self.set(&slots[1], &l, Core::I32, b);
                    }
                    TypeDefKind::Record(r) => {
                        let v = self.bind(val, ty, b);
                        let mut i = 0;
                        for f in &r.fields {
                            let n = self.g.flat_of(&f.ty).len();
                            self.lower_flat(
                                &f.ty,
                                &format!("{v}.{}", ident(&f.name)),
                                &slots[i..i + n],
                                b,
                            );
                            i += n;
                        }
                    }
                    TypeDefKind::Tuple(t) => {
                        let v = self.bind(val, ty, b);
                        let mut i = 0;
                        for (k, t) in t.types.iter().enumerate() {
                            let n = self.g.flat_of(t).len();
                            self.lower_flat(t, &format!("{v}.f{k}"), &slots[i..i + n], b);
                            i += n;
                        }
                    }
                    TypeDefKind::Enum(_) => {
                        self.set(&slots[0], &format!("<i32>{val}"), Core::I32, b)
                    }
                    _ => {
                        let v = self.bind(val, ty, b);
                        let cases = self.g.cases(ty);
                        for (i, (test, payload)) in self.case_access(ty, &v).into_iter().enumerate()
                        {
                            let _ =
                                writeln!(b, "{}if ({test}) {{", if i > 0 { "else " } else { "" });
                            let mut inner = String::new();
                            self.set(&slots[0], &i.to_string(), Core::I32, &mut inner);
                            if let Some(t) = &cases[i] {
                                let n = self.g.flat_of(t).len();
                                self.lower_flat(t, &payload, &slots[1..1 + n], &mut inner);
                            }
                            b.push_str(&indent(&inner));
                            b.push_str("}\n");
                        }
                    }
                }
            }
            _ => self.set(&slots[0], &format!("<i32>{val}"), Core::I32, b),
        }
    }

    /// For each case of a variant-like value `v`: (condition, payload expr).
    fn case_access(&mut self, ty: &Type, v: &str) -> Vec<(String, String)> {
        match self.g.kind(ty).unwrap().clone() {
            TypeDefKind::Option(t) => {
                let payload = if self.g.boxed(&t) {
                    format!("{v}!.value")
                } else {
                    let tt = self.ty(&t);
                    format!("changetype<{tt}>({v})")
                };
                vec![
                    (format!("{v} === null"), String::new()),
                    ("true".into(), payload),
                ]
            }
            TypeDefKind::Result(_) => vec![
                (format!("{v}.isOk"), format!("{v}.value")),
                ("true".into(), format!("{v}.error")),
            ],
            TypeDefKind::Variant(var) => var
                .cases
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        format!("{v}.tag == {i}"),
                        format!("{v}.get{}()", upper_camel(&c.name)),
                    )
                })
                .collect(),
            _ => unreachable!(),
        }
    }

    /// Lowers a list into a buffer; returns (pointer, length) expressions.
    fn lower_list(
        &mut self,
        elem: &Type,
        list_ty: &Type,
        val: &str,
        b: &mut String,
    ) -> (String, String) {
        let v = self.bind(val, list_ty, b);
        if self.g.is_bytes(elem) {
            return (format!("<i32>{v}.dataStart"), format!("{v}.length"));
        }
        let size = self.g.size(elem);
        let buf = self.tmp("buf");
        let i = self.tmp("i");
        let base = self.tmp("base");
        let _ = writeln!(b, "const {buf} = rt.allocList({v}.length, {size});");
        let _ = writeln!(b, "for (let {i} = 0; {i} < {v}.length; {i}++) {{");
        let mut inner = String::new();
        let _ = writeln!(inner, "const {base} = {buf} + <usize>{i} * {size};");
        self.store(elem, &format!("unchecked({v}[{i}])"), &base, 0, &mut inner);
        b.push_str(&indent(&inner));
        b.push_str("}\n");
        (format!("<i32>{buf}"), format!("{v}.length"))
    }

    /// Stores `val` of type `ty` at `base + off`.
    fn store(&mut self, ty: &Type, val: &str, base: &str, off: usize, b: &mut String) {
        let prim = |t: &str, e: String, b: &mut String| {
            let _ = writeln!(b, "store<{t}>({base}, {e}, {off});");
        };
        match ty {
            Type::Bool => prim("u8", format!("{val} ? 1 : 0"), b),
            Type::U8 => prim("u8", val.into(), b),
            Type::S8 => prim("i8", val.into(), b),
            Type::U16 => prim("u16", val.into(), b),
            Type::S16 => prim("i16", val.into(), b),
            Type::U32 | Type::Char => prim("u32", val.into(), b),
            Type::S32 | Type::ErrorContext => prim("i32", val.into(), b),
            Type::U64 => prim("u64", val.into(), b),
            Type::S64 => prim("i64", val.into(), b),
            Type::F32 => prim("f32", val.into(), b),
            Type::F64 => prim("f64", val.into(), b),
            Type::String => {
                let v = self.bind(val, ty, b);
                let _ = writeln!(b, "store<u32>({base}, changetype<usize>({v}), {off});");
                let _ = writeln!(b, "store<u32>({base}, {v}.length, {});", off + 4);
            }
            Type::Id(id) => {
                let kind = self.g.resolve.types[*id].kind.clone();
                match kind {
                    TypeDefKind::Type(t) => self.store(&t, val, base, off, b),
                    TypeDefKind::List(e) => {
                        let (p, l) = self.lower_list(&e, ty, val, b);
                        let _ = writeln!(b, "store<i32>({base}, {p}, {off});");
                        let _ = writeln!(b, "store<i32>({base}, {l}, {});", off + 4);
                    }
                    TypeDefKind::Record(r) => {
                        let v = self.bind(val, ty, b);
                        let (offs, _, _) = self.g.record_layout(r.fields.iter().map(|f| &f.ty));
                        for (f, o) in r.fields.iter().zip(offs) {
                            self.store(&f.ty, &format!("{v}.{}", ident(&f.name)), base, off + o, b);
                        }
                    }
                    TypeDefKind::Tuple(t) => {
                        let v = self.bind(val, ty, b);
                        let (offs, _, _) = self.g.record_layout(t.types.iter());
                        for (k, (t, o)) in t.types.iter().zip(offs).enumerate() {
                            self.store(t, &format!("{v}.f{k}"), base, off + o, b);
                        }
                    }
                    TypeDefKind::Enum(e) => prim(
                        disc_ty(e.cases.len()),
                        format!("<{}>{val}", disc_ty(e.cases.len())),
                        b,
                    ),
                    _ => {
                        let v = self.bind(val, ty, b);
                        let cases = self.g.cases(ty);
                        let (_, payload_off, _, _) = self.g.variant_layout(&cases);
                        let dt = disc_ty(cases.len());
                        for (i, (test, payload)) in self.case_access(ty, &v).into_iter().enumerate()
                        {
                            let _ =
                                writeln!(b, "{}if ({test}) {{", if i > 0 { "else " } else { "" });
                            let mut inner = String::new();
                            let _ = writeln!(inner, "store<{dt}>({base}, {i}, {off});");
                            if let Some(t) = &cases[i] {
                                self.store(t, &payload, base, off + payload_off, &mut inner);
                            }
                            b.push_str(&indent(&inner));
                            b.push_str("}\n");
                        }
                    }
                }
            }
        }
    }

    // ---- lifting -----------------------------------------------------------

    /// Declares a local of type `ty` initialised to a placeholder.
    fn declare(&mut self, ty: &Type, b: &mut String) -> String {
        let r = self.tmp("r");
        let t = self.ty(ty);
        let init = if self.g.is_nullable(ty) {
            "null".to_string()
        } else if self.g.is_value(ty) {
            format!("<{t}>0")
        } else {
            format!("changetype<{t}>(0)")
        };
        let _ = writeln!(b, "let {r}: {t} = {init};");
        r
    }

    /// The value of case `i` of variant-like `ty` with the lifted `payload`.
    fn make_case(&mut self, ty: &Type, i: usize, payload: Option<String>) -> String {
        match self.g.kind(ty).unwrap().clone() {
            TypeDefKind::Option(t) => match payload {
                None => "null".into(),
                Some(p) if self.g.boxed(&t) => {
                    let tt = self.ty(&t);
                    format!("new Box<{tt}>({p})")
                }
                Some(p) => p,
            },
            TypeDefKind::Result(r) => {
                let ok = self.opt_ty(r.ok.as_ref());
                let err = self.opt_ty(r.err.as_ref());
                let unit = || "new Unit()".to_string();
                if i == 0 {
                    let p = payload.unwrap_or_else(unit);
                    format!("new Result<{ok}, {err}>(true, {p}, zero<{err}>())")
                } else {
                    let p = payload.unwrap_or_else(unit);
                    format!("new Result<{ok}, {err}>(false, zero<{ok}>(), {p})")
                }
            }
            TypeDefKind::Variant(v) => {
                let name = self.ty(ty);
                format!(
                    "{name}.{}({})",
                    ident(&v.cases[i].name),
                    payload.unwrap_or_default()
                )
            }
            _ => unreachable!(),
        }
    }

    /// Lifts a value of `ty` stored at `base + off`; returns an expression.
    fn load(&mut self, ty: &Type, base: &str, off: usize, b: &mut String) -> String {
        let prim = |t: &str| format!("load<{t}>({base}, {off})");
        match ty {
            Type::Bool => format!("{} != 0", prim("u8")),
            Type::U8 => prim("u8"),
            Type::S8 => prim("i8"),
            Type::U16 => prim("u16"),
            Type::S16 => prim("i16"),
            Type::U32 | Type::Char => prim("u32"),
            Type::S32 | Type::ErrorContext => prim("i32"),
            Type::U64 => prim("u64"),
            Type::S64 => prim("i64"),
            Type::F32 => prim("f32"),
            Type::F64 => prim("f64"),
            Type::String => {
                let s = self.tmp("s");
                let _ = writeln!(
                    b,
                    "const {s} = rt.liftString(load<u32>({base}, {off}), load<u32>({base}, {}));",
                    off + 4
                );
                s
            }
            Type::Id(id) => {
                let kind = self.g.resolve.types[*id].kind.clone();
                match kind {
                    TypeDefKind::Type(t) => self.load(&t, base, off, b),
                    TypeDefKind::List(e) => {
                        let p = format!("load<u32>({base}, {off})");
                        let l = format!("load<u32>({base}, {})", off + 4);
                        self.lift_list(&e, ty, &p, &l, b)
                    }
                    TypeDefKind::Record(r) => {
                        let (offs, _, _) = self.g.record_layout(r.fields.iter().map(|f| &f.ty));
                        let mut args = Vec::new();
                        for (f, o) in r.fields.iter().zip(offs) {
                            let e = self.load(&f.ty, base, off + o, b);
                            let v = self.tmp("f");
                            let _ = writeln!(b, "const {v} = {e};");
                            args.push(v);
                        }
                        let name = self.ty(ty);
                        format!("new {name}({})", args.join(", "))
                    }
                    TypeDefKind::Tuple(t) => {
                        let (offs, _, _) = self.g.record_layout(t.types.iter());
                        let mut args = Vec::new();
                        for (t, o) in t.types.iter().zip(offs) {
                            let e = self.load(t, base, off + o, b);
                            let v = self.tmp("f");
                            let _ = writeln!(b, "const {v} = {e};");
                            args.push(v);
                        }
                        let name = self.ty(ty);
                        format!("new {name}({})", args.join(", "))
                    }
                    TypeDefKind::Enum(e) => {
                        let name = self.ty(ty);
                        format!("<{name}>{}", prim(disc_ty(e.cases.len())))
                    }
                    _ => {
                        let cases = self.g.cases(ty);
                        let (_, payload_off, _, _) = self.g.variant_layout(&cases);
                        let disc = format!("<i32>{}", prim(disc_ty(cases.len())));
                        self.lift_cases(ty, &cases, &disc, b, |g, t, inner| {
                            g.load(t, base, off + payload_off, inner)
                        })
                    }
                }
            }
        }
    }

    /// Lifts a variant-like value (variant, option, result): a `switch` on
    /// `disc` whose cases lift their payload with `payload`.
    fn lift_cases(
        &mut self,
        ty: &Type,
        cases: &[Option<Type>],
        disc: &str,
        b: &mut String,
        mut payload: impl FnMut(&mut Self, &Type, &mut String) -> String,
    ) -> String {
        let r = self.declare(ty, b);
        let _ = writeln!(b, "switch ({disc}) {{");
        for (i, c) in cases.iter().enumerate() {
            let mut inner = String::new();
            let value = c.map(|t| payload(self, &t, &mut inner));
            let value = self.make_case(ty, i, value);
            let _ = writeln!(inner, "{r} = {value};\nbreak;");
            let _ = writeln!(b, "  case {i}: {{");
            b.push_str(&indent(&indent(&inner)));
            b.push_str("  }\n");
        }
        b.push_str("  default: unreachable();\n}\n");
        r
    }

    /// Lifts a list at pointer `p` with length `l` (expressions).
    fn lift_list(
        &mut self,
        elem: &Type,
        list_ty: &Type,
        p: &str,
        l: &str,
        b: &mut String,
    ) -> String {
        let pv = self.tmp("p");
        let lv = self.tmp("l");
        let _ = writeln!(
            b,
            "const {pv}: usize = <usize>{p};\nconst {lv}: i32 = <i32>{l};"
        );
        if self.g.is_bytes(elem) {
            let r = self.tmp("bytes");
            let _ = writeln!(b, "const {r} = rt.liftBytes({pv}, {lv});");
            return r;
        }
        let size = self.g.size(elem);
        let t = self.ty(list_ty);
        let r = self.tmp("list");
        let i = self.tmp("i");
        let base = self.tmp("base");
        let _ = writeln!(b, "const {r}: {t} = [];");
        let _ = writeln!(b, "for (let {i} = 0; {i} < {lv}; {i}++) {{");
        let mut inner = String::new();
        let _ = writeln!(inner, "const {base} = {pv} + <usize>{i} * {size};");
        let e = self.load(elem, &base, 0, &mut inner);
        let _ = writeln!(inner, "{r}.push({e});");
        b.push_str(&indent(&inner));
        let _ = writeln!(b, "}}\nrt.freeList({pv}, {lv});");
        r
    }

    /// Lifts a value of `ty` from the flat `slots`; returns an expression.
    fn lift_flat(&mut self, ty: &Type, slots: &[Slot], b: &mut String) -> String {
        let get = |i: usize, natural: Core| narrow(&slots[i].0, slots[i].1, natural);
        match ty {
            Type::Bool => format!("({}) != 0", get(0, Core::I32)),
            Type::U8 => format!("<u8>({})", get(0, Core::I32)),
            Type::S8 => format!("<i8>({})", get(0, Core::I32)),
            Type::U16 => format!("<u16>({})", get(0, Core::I32)),
            Type::S16 => format!("<i16>({})", get(0, Core::I32)),
            Type::U32 | Type::Char => format!("<u32>({})", get(0, Core::I32)),
            Type::S32 | Type::ErrorContext => get(0, Core::I32),
            Type::U64 => format!("<u64>({})", get(0, Core::I64)),
            Type::S64 => get(0, Core::I64),
            Type::F32 => get(0, Core::F32),
            Type::F64 => get(0, Core::F64),
            Type::String => {
                let s = self.tmp("s");
                let _ = writeln!(
                    b,
                    "const {s} = rt.liftString(<u32>({}), <u32>({}));",
                    get(0, Core::I32),
                    get(1, Core::I32)
                );
                s
            }
            Type::Id(id) => {
                let kind = self.g.resolve.types[*id].kind.clone();
                match kind {
                    TypeDefKind::Type(t) => self.lift_flat(&t, slots, b),
                    TypeDefKind::List(e) => {
                        let (p, l) = (get(0, Core::I32), get(1, Core::I32));
                        self.lift_list(&e, ty, &p, &l, b)
                    }
                    TypeDefKind::Record(_) | TypeDefKind::Tuple(_) => {
                        let types: Vec<Type> = match &kind {
                            TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
                            TypeDefKind::Tuple(t) => t.types.clone(),
                            _ => unreachable!(),
                        };
                        let mut args = Vec::new();
                        let mut i = 0;
                        for t in &types {
                            let n = self.g.flat_of(t).len();
                            let e = self.lift_flat(t, &slots[i..i + n], b);
                            let v = self.tmp("f");
                            let _ = writeln!(b, "const {v} = {e};");
                            args.push(v);
                            i += n;
                        }
                        let name = self.ty(ty);
                        format!("new {name}({})", args.join(", "))
                    }
                    TypeDefKind::Enum(_) => {
                        let name = self.ty(ty);
                        format!("<{name}>({})", get(0, Core::I32))
                    }
                    _ => {
                        let cases = self.g.cases(ty);
                        let disc = get(0, Core::I32);
                        self.lift_cases(ty, &cases, &disc, b, |g, t, inner| {
                            let n = g.g.flat_of(t).len();
                            g.lift_flat(t, &slots[1..1 + n], inner)
                        })
                    }
                }
            }
        }
    }

    // ---- functions ---------------------------------------------------------

    fn import_func(
        &mut self,
        qualified: &str,
        func: &Function,
        out: &mut String,
        ret_area: &mut (usize, usize),
    ) {
        let fname = ident(&func.name);
        let raw = format!("__import_{}", lower_camel(&func.name));
        let mut flat_params = Vec::new();
        for p in &func.params {
            self.g.flat(&p.ty, &mut flat_params);
        }
        let indirect = flat_params.len() > MAX_FLAT_PARAMS;
        let flat_result = func.result.map(|r| self.g.flat_of(&r)).unwrap_or_default();
        let retptr = flat_result.len() > MAX_FLAT_RESULTS;

        // The core import.
        let mut core_params: Vec<String> = if indirect {
            vec!["args: i32".into()]
        } else {
            flat_params
                .iter()
                .enumerate()
                .map(|(i, c)| format!("p{i}: {}", c.name()))
                .collect()
        };
        if retptr {
            core_params.push("retptr: i32".into());
        }
        let core_ret = if retptr || flat_result.is_empty() {
            "void"
        } else {
            flat_result[0].name()
        };
        let _ = writeln!(
            out,
            "// @ts-ignore: decorator\n@external(\"{qualified}\", \"{}\")\ndeclare function {raw}({}): {core_ret};\n",
            func.name,
            core_params.join(", ")
        );

        // The wrapper.
        let params: Vec<String> = func
            .params
            .iter()
            .map(|p| format!("{}: {}", param_ident(&p.name), self.ty(&p.ty)))
            .collect();
        let ret_ty = match &func.result {
            Some(r) => self.ty(r),
            None => "void".into(),
        };
        out.push_str(&docs_of(&func.docs, ""));
        let _ = writeln!(
            out,
            "export function {fname}({}): {ret_ty} {{",
            params.join(", ")
        );
        let mut b = String::new();
        b.push_str("const mark = rt.deferMark();\n");
        let mut args = Vec::new();
        if indirect {
            let types: Vec<Type> = func.params.iter().map(|p| p.ty).collect();
            let (offs, size, _) = self.g.record_layout(types.iter());
            let _ = writeln!(b, "const args = rt.allocList(1, {size});");
            for (p, o) in func.params.iter().zip(offs) {
                self.store(&p.ty, &param_ident(&p.name), "args", o, &mut b);
            }
            args.push("<i32>args".to_string());
        } else {
            let slots: Vec<Slot> = flat_params
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("p{i}"), *c))
                .collect();
            for (name, c) in &slots {
                let _ = writeln!(b, "let {name}: {} = 0;", c.name());
            }
            let mut i = 0;
            for p in &func.params {
                let n = self.g.flat_of(&p.ty).len();
                self.lower_flat(&p.ty, &param_ident(&p.name), &slots[i..i + n], &mut b);
                i += n;
            }
            args.extend(slots.iter().map(|s| s.0.clone()));
        }
        if retptr {
            let r = func.result.unwrap();
            ret_area.0 = ret_area.0.max(self.g.size(&r));
            ret_area.1 = ret_area.1.max(self.g.align(&r));
            args.push("<i32>RET_AREA".into());
            let _ = writeln!(b, "{raw}({});", args.join(", "));
            b.push_str("rt.deferRelease(mark);\n");
            let e = self.load(&r, "RET_AREA", 0, &mut b);
            let _ = writeln!(b, "return {e};");
        } else if let Some(r) = func.result {
            let _ = writeln!(b, "const ret = {raw}({});", args.join(", "));
            b.push_str("rt.deferRelease(mark);\n");
            let e = self.lift_flat(&r, &[("ret".into(), flat_result[0])], &mut b);
            let _ = writeln!(b, "return {e};");
        } else {
            let _ = writeln!(b, "{raw}({});", args.join(", "));
            b.push_str("rt.deferRelease(mark);\n");
        }
        out.push_str(&indent(&b));
        out.push_str("}\n\n");
    }

    fn export_funcs<'f>(
        &mut self,
        qualified: &str,
        funcs: impl Iterator<Item = &'f Function>,
        out: &mut String,
        ret_area: &mut (usize, usize),
    ) {
        let funcs: Vec<&Function> = funcs.collect();
        let resolve = self.g.resolve;
        let iface = &resolve.interfaces[self.iface];
        let class = upper_camel(iface.name.as_deref().unwrap_or("exports"));
        // The implementation class.
        let mut class_src = format!(
            "/**\n * Implement `{qualified}` by extending this class and passing an\n * instance to `set{class}`.\n */\nexport abstract class {class} {{\n"
        );
        let mut shims = String::new();
        for func in &funcs {
            let params: Vec<String> = func
                .params
                .iter()
                .map(|p| format!("{}: {}", param_ident(&p.name), self.ty(&p.ty)))
                .collect();
            let ret_ty = match &func.result {
                Some(r) => self.ty(r),
                None => "void".into(),
            };
            class_src.push_str(&docs_of(&func.docs, "  "));
            let _ = writeln!(
                class_src,
                "  abstract {}({}): {ret_ty};",
                ident(&func.name),
                params.join(", ")
            );

            let mut flat_params = Vec::new();
            for p in &func.params {
                self.g.flat(&p.ty, &mut flat_params);
            }
            let indirect = flat_params.len() > MAX_FLAT_PARAMS;
            let flat_result = func.result.map(|r| self.g.flat_of(&r)).unwrap_or_default();
            let retptr = flat_result.len() > MAX_FLAT_RESULTS;
            let export_name = format!("{qualified}#{}", func.name);
            let core_params: Vec<String> = if indirect {
                vec!["args: i32".into()]
            } else {
                flat_params
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("p{i}: {}", c.name()))
                    .collect()
            };
            let core_ret = if retptr {
                "i32"
            } else if flat_result.is_empty() {
                "void"
            } else {
                flat_result[0].name()
            };
            let mut b = String::new();
            let mut args = Vec::new();
            if indirect {
                let types: Vec<Type> = func.params.iter().map(|p| p.ty).collect();
                let (offs, size, _) = self.g.record_layout(types.iter());
                for (p, o) in func.params.iter().zip(offs) {
                    let e = self.load(&p.ty, "<usize>args", o, &mut b);
                    let v = self.tmp("a");
                    let _ = writeln!(b, "const {v} = {e};");
                    args.push(v);
                }
                let _ = writeln!(
                    b,
                    "rt.freeList(<usize>args, {});",
                    if size > 0 { 1 } else { 0 }
                );
            } else {
                let slots: Vec<Slot> = flat_params
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("p{i}"), *c))
                    .collect();
                let mut i = 0;
                for p in &func.params {
                    let n = self.g.flat_of(&p.ty).len();
                    let e = self.lift_flat(&p.ty, &slots[i..i + n], &mut b);
                    let v = self.tmp("a");
                    let _ = writeln!(b, "const {v} = {e};");
                    args.push(v);
                    i += n;
                }
            }
            let call = format!("impl{class}().{}({})", ident(&func.name), args.join(", "));
            match func.result {
                None => {
                    let _ = writeln!(b, "{call};");
                }
                Some(r) if retptr => {
                    ret_area.0 = ret_area.0.max(self.g.size(&r));
                    ret_area.1 = ret_area.1.max(self.g.align(&r));
                    let _ = writeln!(b, "const result = {call};");
                    b.push_str("exportMark = rt.deferMark();\n");
                    self.store(&r, "result", "RET_AREA", 0, &mut b);
                    b.push_str("return <i32>RET_AREA;\n");
                }
                Some(r) => {
                    let _ = writeln!(b, "const result = {call};");
                    let slot: Slot = ("ret".into(), flat_result[0]);
                    let _ = writeln!(b, "let ret: {} = 0;", flat_result[0].name());
                    self.lower_flat(&r, "result", std::slice::from_ref(&slot), &mut b);
                    b.push_str("return ret;\n");
                }
            }
            let _ = writeln!(
                shims,
                "/** Export shim of `{export_name}`. */\nexport function {}({}): {core_ret} {{",
                export_shim_name(&export_name),
                core_params.join(", ")
            );
            shims.push_str(&indent(&b));
            shims.push_str("}\n\n");
            if retptr {
                let _ = writeln!(
                    shims,
                    "/** Post-return of `{export_name}`: frees the buffers of its result. */\nexport function {}(ret: i32): void {{\n  rt.deferRelease(exportMark);\n}}\n",
                    export_shim_name(&format!("cabi_post_{export_name}"))
                );
            }
        }
        class_src.push_str("}\n\n");
        out.push_str(&class_src);
        let _ = writeln!(
            out,
            "let implementation: {class} | null = null;\nlet exportMark: i32 = 0;\n\n/** Registers the implementation of `{qualified}`; call it at start-up. */\nexport function set{class}(value: {class}): void {{\n  implementation = value;\n}}\n\nfunction impl{class}(): {class} {{\n  if (implementation === null) abort(\"no implementation of {qualified} registered (call set{class})\");\n  return implementation!;\n}}\n"
        );
        out.push_str(&shims);
    }
}

fn indent(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

const RUNTIME_TS: &str = r#"// The module must export `cabi_realloc` (see exports.ts): the host calls it
// to allocate the strings and lists it returns. It allocates unmanaged
// memory (`heap.alloc`); the bindings copy those values into managed
// objects and free the memory right away.

/** The canonical ABI's allocator, exported as `cabi_realloc`. */
export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (newSize == 0) {
    if (ptr != 0 && oldSize != 0) heap.free(ptr);
    return align; // a non-null, aligned pointer to nothing
  }
  if (ptr == 0 || oldSize == 0) return heap.alloc(newSize);
  return heap.realloc(ptr, newSize);
}

// Buffers lowered for one call, freed when it returns.
let deferBuf: usize = 0;
let deferLen: i32 = 0;
let deferCap: i32 = 0;

/** Frees `ptr` at the next `deferRelease` of an earlier mark. */
export function deferFree(ptr: usize): void {
  if (deferLen == deferCap) {
    deferCap = deferCap == 0 ? 16 : deferCap * 2;
    deferBuf = deferBuf == 0 ? heap.alloc(<usize>deferCap << alignof<usize>()) : heap.realloc(deferBuf, <usize>deferCap << alignof<usize>());
  }
  store<usize>(deferBuf + (<usize>deferLen << alignof<usize>()), ptr);
  deferLen++;
}

/** The current position of the deferred-free stack. */
export function deferMark(): i32 {
  return deferLen;
}

/** Frees everything deferred since `mark`. */
export function deferRelease(mark: i32): void {
  while (deferLen > mark) {
    deferLen--;
    heap.free(load<usize>(deferBuf + (<usize>deferLen << alignof<usize>())));
  }
}

/** Allocates `n` elements of `size` bytes, freed at the next release. */
export function allocList(n: i32, size: usize): usize {
  if (n == 0 || size == 0) return 8;
  const p = heap.alloc(<usize>n * size);
  deferFree(p);
  return p;
}

/** Frees a list the host allocated (nothing for an empty one). */
export function freeList(ptr: usize, len: i32): void {
  if (len != 0) heap.free(ptr);
}

/** Copies a UTF-16 string the host allocated and frees it. */
export function liftString(ptr: usize, len: u32): string {
  if (len == 0) return "";
  const s = String.UTF16.decodeUnsafe(ptr, <usize>len << 1);
  heap.free(ptr);
  return s;
}

/** Copies a byte list the host allocated and frees it. */
export function liftBytes(ptr: usize, len: i32): Uint8Array {
  const a = new Uint8Array(len);
  if (len != 0) {
    memory.copy(a.dataStart, ptr, <usize>len);
    heap.free(ptr);
  }
  return a;
}

/** A zero/null placeholder of `T` for the unused side of a `Result`. */
export function zero<T>(): T {
  if (isReference<T>()) return changetype<T>(0);
  // @ts-ignore: value types only
  return <T>0;
}

/** The payload of a WIT `option` whose type is a value or nullable. */
export class Box<T> {
  constructor(public value: T) {}
}

/** The payload of a WIT `result` side without a type. */
export class Unit {}

/** A WIT `result<T, E>`. */
export class Result<T, E> {
  constructor(public readonly isOk: bool, private readonly _value: T, private readonly _error: E) {}

  /** Whether this is an error. */
  get isErr(): bool {
    return !this.isOk;
  }

  /** The ok payload; aborts on an error. */
  get value(): T {
    assert(this.isOk, "not an ok result");
    return this._value;
  }

  /** The error payload; aborts on an ok result. */
  get error(): E {
    assert(!this.isOk, "not an error result");
    return this._error;
  }
}

/** An ok `Result`. */
export function ok<T, E>(value: T): Result<T, E> {
  return new Result<T, E>(true, value, zero<E>());
}

/** An error `Result`. */
export function err<T, E>(error: E): Result<T, E> {
  return new Result<T, E>(false, zero<T>(), error);
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(wit: &str, world: &str) -> BTreeMap<String, String> {
        let mut resolve = Resolve::default();
        let pkg = resolve.push_str("test.wit", wit).unwrap();
        let world = resolve.select_world(&[pkg], Some(world)).unwrap();
        generate_assemblyscript(&resolve, world).unwrap()
    }

    #[test]
    fn shim_names_round_trip() {
        for name in [
            "dapr:runtime/handler@0.1.0#on-invoke",
            "cabi_post_a:b/c@1.2.3-rc.1#x_y",
        ] {
            let shim = export_shim_name(name);
            assert!(
                shim.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{shim}"
            );
            assert_eq!(decode_export_shim_name(&shim).as_deref(), Some(name));
        }
        assert_eq!(decode_export_shim_name("cabi_realloc"), None);
    }

    #[test]
    fn layout_matches_canonical_abi() {
        let (resolve, pkg) = load_dapr_resolve().unwrap();
        let g = Gen {
            resolve: &resolve,
            tuples: BTreeSet::new(),
        };
        let iface = resolve.packages[pkg].interfaces["state"];
        let ty = |name: &str| Type::Id(resolve.interfaces[iface].types[name]);
        let mut sizes = wit_parser::SizeAlign::default();
        sizes.fill(&resolve);
        for (name, _) in &resolve.interfaces[iface].types {
            let t = ty(name);
            assert_eq!(g.size(&t), sizes.size(&t).size_wasm32(), "size of {name}");
            assert_eq!(
                g.align(&t),
                sizes.align(&t).align_wasm32(),
                "align of {name}"
            );
        }
        // `delete-item` flattens to key(2) + option<string>(3) + 2 enums + metadata(2).
        assert_eq!(g.flat_of(&ty("delete-item")).len(), 9);
    }

    #[test]
    fn strings_and_bytes_lower_in_place() {
        let files = generate(
            "package t:t; interface i { f: func(s: string, b: list<u8>) -> u32; } world w { import i; }",
            "w",
        );
        let src = &files["t/t/i.ts"];
        assert!(src.contains("@external(\"t:t/i\", \"f\")"), "{src}");
        assert!(
            src.contains("declare function __import_f(p0: i32, p1: i32, p2: i32, p3: i32): i32;"),
            "{src}"
        );
        assert!(src.contains("p0 = <i32>changetype<usize>(s);"), "{src}");
        assert!(src.contains("p2 = <i32>b.dataStart;"), "{src}");
        assert!(src.contains("return <u32>(ret);"), "{src}");
    }

    #[test]
    fn results_use_a_return_area() {
        let files = generate(
            "package t:t; interface i { variant e { a(string), b } f: func() -> result<option<string>, e>; } world w { import i; }",
            "w",
        );
        let src = &files["t/t/i.ts"];
        assert!(
            src.contains("declare function __import_f(retptr: i32): void;"),
            "{src}"
        );
        assert!(
            src.contains("const RET_AREA: usize = memory.data(16, 4);"),
            "{src}"
        );
        assert!(
            src.contains("export function f(): Result<string | null, E>"),
            "{src}"
        );
        assert!(
            src.contains("rt.liftString(load<u32>(RET_AREA, 8), load<u32>(RET_AREA, 12))"),
            "{src}"
        );
        assert!(src.contains("static a(value: string): E"), "{src}");
    }

    #[test]
    fn records_lists_and_tuples_lower_to_memory() {
        let files = generate(
            "package t:t; interface i { enum k { x, y } record r { name: string, kind: k, tags: list<tuple<string, string>>, n: option<u64> } f: func(items: list<r>); } world w { import i; }",
            "w",
        );
        let src = &files["t/t/i.ts"];
        assert!(
            src.contains("export enum K {\n  X = 0,\n  Y = 1,\n}"),
            "{src}"
        );
        assert!(src.contains("public n: Box<u64> | null,"), "{src}");
        assert!(
            src.contains("public tags: Array<Tuple2<string, string>>,"),
            "{src}"
        );
        assert!(src.contains("rt.allocList(items.length, 40)"), "{src}");
        assert!(src.contains("store<u64>("), "{src}");
        assert!(files["rt.ts"].contains("export class Tuple2<T0, T1>"));
    }

    #[test]
    fn many_params_pass_indirectly() {
        let params: Vec<String> = (0..9).map(|i| format!("a{i}: string")).collect();
        let wit = format!(
            "package t:t; interface i {{ f: func({}); }} world w {{ import i; }}",
            params.join(", ")
        );
        let files = generate(&wit, "w");
        let src = &files["t/t/i.ts"];
        assert!(
            src.contains("declare function __import_f(args: i32): void;"),
            "{src}"
        );
        assert!(src.contains("const args = rt.allocList(1, 72);"), "{src}");
    }

    #[test]
    fn exports_get_shims_and_post_returns() {
        let files = generate(
            "package t:t; interface h { g: func(x: string) -> list<string>; k: func() -> bool; } world w { export h; }",
            "w",
        );
        let src = &files["t/t/h.ts"];
        assert!(src.contains("export abstract class H {"), "{src}");
        assert!(
            src.contains(&format!(
                "export function {}(p0: i32, p1: i32): i32",
                export_shim_name("t:t/h#g")
            )),
            "{src}"
        );
        assert!(
            src.contains(&export_shim_name("cabi_post_t:t/h#g")),
            "{src}"
        );
        assert!(
            src.contains(&format!(
                "export function {}(): i32",
                export_shim_name("t:t/h#k")
            )),
            "{src}"
        );
        assert!(files["exports.ts"].contains(&format!("  {},\n", export_shim_name("t:t/h#k"))));
        assert!(files["exports.ts"].contains("} from \"./t/t/h\";"));
    }

    #[test]
    fn dapr_worlds_generate() {
        let (resolve, pkg) = load_dapr_resolve().unwrap();
        for world in ["client", "app"] {
            let w = resolve.select_world(&[pkg], Some(world)).unwrap();
            let files = generate_assemblyscript(&resolve, w).unwrap();
            assert!(files.contains_key("dapr/runtime/state.ts"));
            assert!(files["dapr/runtime/types.ts"].contains("export class DaprError {"));
            assert!(files["dapr/runtime/state.ts"].contains(
                "export function delete_(store_: string, item: DeleteItem): Result<Unit, DaprError>"
            ));
        }
        let w = resolve.select_world(&[pkg], Some("http-app")).unwrap();
        assert!(generate_assemblyscript(&resolve, w).is_err());
    }
}
