//! AssemblyScript bindings for a WIT world.
//!
//! AssemblyScript compiles to core WebAssembly modules only, so the bindings
//! implement the Component Model's canonical ABI themselves, as
//! `wit-bindgen-core` describes it: every imported function becomes an
//! `@external(...) declare function` taking flat core values plus an
//! AssemblyScript wrapper that lowers its arguments and lifts its result;
//! every exported function becomes a shim that lifts the arguments, calls an
//! implementation registered at run time, and lowers the result. Compound
//! values go through one lifting and one lowering helper per WIT type (see
//! the `abi` module), so each function is a few lines.
//!
//! Each imported resource becomes a class wrapping its handle (an `i32`):
//! `drop()` calls its `[resource-drop]` import, its constructor is `static
//! create`, its static functions static methods and its methods methods. A
//! handle passed as `own<T>` is taken from the object (`takeHandle()`, which
//! leaves it empty), one passed as `borrow<T>` lent (`borrowHandle()`), and a
//! handle coming in becomes a new object of the class. Exported resources are
//! not supported; exported functions may take and return imported ones (as
//! `wasi:http/incoming-handler` does). Flags become enums of bits.
//!
//! Strings use the canonical ABI's `utf16` encoding. AssemblyScript strings
//! are UTF-16 in linear memory, so a string argument is passed as a pointer
//! to its characters without any transcoding or copy, and strings coming back
//! are decoded with `String.UTF16.decodeUnsafe`. The component produced from
//! the module must therefore declare `string-encoding=utf16`, which
//! [`crate::componentize::componentize`] does with
//! [`crate::componentize::Encoding::Utf16`].
//!
//! Output layout (relative to the output directory):
//!
//! * `rt.ts`: runtime support (`cabi_realloc`, `Result`, `Box`, tuples,
//!   deferred frees of argument buffers) and the helpers of types that only
//!   involve built-in types.
//! * `<namespace>/<package>/<interface>.ts`: one module per interface the
//!   world imports or exports, holding its types, its functions and the
//!   helpers of its types.
//! * `exports.ts`: the wasm exports the entry file must re-export
//!   (`cabi_realloc`, and the export shims of the world); when bindings are
//!   generated for several worlds at once, `exports-<world>.ts` for each
//!   world after the first.
//!
//! The output is a function of the WIT alone: generating twice gives the
//! same bytes.

mod abi;
mod names;
mod types;

pub use names::{EXPORT_PREFIX, decode_export_shim_name, export_shim_name};

use abi::{Helper, Kind};
use anyhow::{Context, Result, bail};
use names::{ident, lower_camel, param_ident, upper_camel};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use types::docs_of;
use wit_bindgen_core::abi::{AbiVariant, guest_export_needs_post_return};
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, SizeAlign, Type, TypeDefKind, TypeId,
    TypeOwner, WorldId, WorldItem, WorldKey,
};

/// Generates AssemblyScript bindings for `world`, as (relative path, source)
/// pairs; see the module documentation for the layout.
pub fn generate_assemblyscript(
    resolve: &Resolve,
    world: WorldId,
) -> Result<BTreeMap<String, String>> {
    generate_assemblyscript_worlds(resolve, &[world])
}

/// Generates one set of AssemblyScript bindings for several worlds (such as
/// `app` and `http-app`, which share the `client` imports): one module per
/// interface any of them imports or exports, one `rt.ts`, and the wasm
/// exports of the first world in `exports.ts`, of each further world `w` in
/// `exports-w.ts`.
pub fn generate_assemblyscript_worlds(
    resolve: &Resolve,
    worlds: &[WorldId],
) -> Result<BTreeMap<String, String>> {
    if worlds.is_empty() {
        bail!("no world to generate bindings for");
    }
    let mut g = Gen::new(resolve);
    // Interfaces a world imports may `use` types of interfaces it does not
    // name; generate those as type-only modules.
    let mut type_only: BTreeSet<InterfaceId> = BTreeSet::new();
    let mut sections: Vec<(WorldKey, InterfaceId, Direction)> = Vec::new();
    // (file, world name, exported interfaces) of each world.
    let mut export_files = Vec::new();
    for (n, world) in worlds.iter().enumerate() {
        let w = &resolve.worlds[*world];
        let mut add = |key: &WorldKey, id: InterfaceId, dir: Direction| -> Result<()> {
            match sections.iter().find(|(_, i, _)| *i == id) {
                Some((_, _, d)) if *d != dir => {
                    bail!("an interface is both imported and exported; not supported")
                }
                Some(_) => {}
                None => sections.push((key.clone(), id, dir)),
            }
            Ok(())
        };
        for (key, item) in &w.imports {
            match item {
                WorldItem::Interface { id, .. } => add(key, *id, Direction::Import)?,
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
        let mut exported = Vec::new();
        for (key, item) in &w.exports {
            match item {
                WorldItem::Interface { id, .. } => {
                    add(key, *id, Direction::Export)?;
                    exported.push((key.clone(), *id));
                }
                _ => bail!(
                    "world `{}` exports something other than an interface",
                    w.name
                ),
            }
        }
        let file = match n {
            0 => "exports.ts".to_string(),
            _ => format!("exports-{}.ts", w.name),
        };
        export_files.push((file, w.name.clone(), exported));
    }
    let named: BTreeSet<InterfaceId> = sections.iter().map(|(_, id, _)| *id).collect();
    for id in type_only.difference(&named) {
        sections.push((WorldKey::Interface(*id), *id, Direction::Import));
    }
    let mut bodies = Vec::new();
    for (key, id, dir) in &sections {
        bodies.push(g.interface(key, *id, dir)?);
    }
    g.helpers()?;

    let mut files = BTreeMap::new();
    for ((key, id, dir), body) in sections.iter().zip(bodies) {
        files.insert(g.iface_path(*id)?, g.file(key, *id, dir, body)?);
    }
    files.insert("rt.ts".into(), g.runtime());
    for (file, world, exported) in export_files {
        let mut text = header(&format!(
            "The wasm exports of world `{world}`: re-export everything here from the\n// entry file (`export * from \"<this file>\";`)."
        ));
        text.push_str("export { cabi_realloc } from \"./rt\";\n");
        for (key, id) in exported {
            text.push_str(&g.export_list(&key, id)?);
            text.push('\n');
        }
        files.insert(file, text);
    }
    Ok(files)
}

/// Generates bindings for the worlds `worlds` ("client", "app",
/// "http-app", ...; see [`generate_assemblyscript_worlds`]) of the WIT
/// package `wit` and writes them below `out_dir`; returns the files written.
pub fn write_assemblyscript(
    wit: crate::WitFiles<'_>,
    out_dir: &Path,
    worlds: &[&str],
) -> Result<Vec<PathBuf>> {
    let (resolve, pkg) = crate::load_wit(wit)?;
    let worlds = worlds
        .iter()
        .map(|w| resolve.select_world(&[pkg], Some(w)))
        .collect::<Result<Vec<_>>>()?;
    let files = generate_assemblyscript_worlds(&resolve, &worlds)?;
    let mut written = Vec::new();
    for (path, text) in files {
        let file = out_dir.join(&path);
        let dir = file.parent().context("no parent directory")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        written.push(file);
    }
    Ok(written)
}

fn header(what: &str) -> String {
    format!(
        "// Generated by `wasmtime-dapr bindgen assemblyscript`; do not edit.\n//\n// {what}\n//\n// Strings cross the component boundary as UTF-16 (the component is built\n// with `string-encoding=utf16`): AssemblyScript strings are UTF-16 already,\n// so arguments are passed in place and results decoded without transcoding.\n\n"
    )
}

/// Whether the world imports or exports an interface.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Import,
    Export,
}

/// Where generated code lives: `rt.ts` or the module of an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Home {
    Rt,
    Iface(InterfaceId),
}

/// What a generated module needs besides its own code.
#[derive(Default)]
struct Module {
    /// Names imported from other interface modules, by module path.
    imports: BTreeMap<String, BTreeSet<String>>,
    /// Names imported from `rt.ts`.
    rt: BTreeSet<String>,
    /// Size and alignment of the return area of the module's functions.
    ret_area: (usize, usize),
    /// The helpers that live here, by name.
    helpers: BTreeMap<String, String>,
}

struct Gen<'a> {
    resolve: &'a Resolve,
    sizes: SizeAlign,
    /// Arities of the tuple classes `rt.ts` defines.
    tuples: BTreeSet<usize>,
    modules: BTreeMap<Home, Module>,
    /// Helpers asked for but not generated yet.
    pending: Vec<Helper>,
    /// The structure of every helper asked for, to tell clashing names.
    shapes: BTreeMap<(Home, String), String>,
    /// A helper name two different types would share.
    clash: Option<String>,
}

impl<'a> Gen<'a> {
    fn new(resolve: &'a Resolve) -> Self {
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve);
        Gen {
            resolve,
            sizes,
            tuples: BTreeSet::new(),
            modules: BTreeMap::new(),
            pending: Vec::new(),
            shapes: BTreeMap::new(),
            clash: None,
        }
    }

    /// Makes `name` of module `to` visible in module `from`.
    fn import(&mut self, from: Home, to: Home, name: &str) {
        if from == to {
            return;
        }
        let path = match to {
            Home::Rt => None,
            Home::Iface(id) => Some(self.iface_path(id).expect("a named interface")),
        };
        let m = self.modules.entry(from).or_default();
        match path {
            None => m.rt.insert(name.to_string()),
            Some(p) => m
                .imports
                .entry(p.trim_end_matches(".ts").to_string())
                .or_default()
                .insert(name.to_string()),
        };
    }

    /// Makes `name` of `rt.ts` visible in module `from`.
    fn use_rt(&mut self, from: Home, name: &str) {
        self.import(from, Home::Rt, name);
    }

    /// The AssemblyScript type of a scalar WIT type (`u32`, `bool`, ...);
    /// empty for other types.
    fn prim(&self, ty: &Type) -> &'static str {
        match self.unalias(ty) {
            Type::Bool => "bool",
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 | Type::Char => "u32",
            Type::U64 => "u64",
            Type::S8 => "i8",
            Type::S16 => "i16",
            Type::S32 => "i32",
            Type::S64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            _ => "",
        }
    }

    // ---- helpers ---------------------------------------------------------

    /// The call of the helper `kind` of `ty` (of its elements for the list
    /// kinds) from module `from`; asks for the helper if it is new.
    fn helper(&mut self, from: Home, kind: Kind, ty: Type) -> String {
        let list = if matches!(kind, Kind::LiftList | Kind::LowerList) {
            "List"
        } else {
            ""
        };
        let verb = if matches!(kind, Kind::Lift | Kind::LiftList) {
            "lift"
        } else {
            "lower"
        };
        let name = format!("{verb}_{list}{}", self.frag(&ty));
        let mut refs = BTreeSet::new();
        self.refs(&ty, &mut refs);
        let home = match (refs.len(), self.unalias(&ty)) {
            (0, _) => Home::Rt,
            (1, _) => Home::Iface(*refs.first().expect("one")),
            (_, Type::Id(id)) => match self.resolve.types[id].owner {
                TypeOwner::Interface(i) => Home::Iface(i),
                _ => Home::Iface(*refs.last().expect("some")),
            },
            _ => unreachable!("only types with ids refer to interfaces"),
        };
        let shape = format!("{kind:?} {}", self.shape(&ty));
        match self.shapes.get(&(home, name.clone())) {
            Some(s) if *s != shape => self.clash = Some(name.clone()),
            Some(_) => {}
            None => {
                self.shapes.insert((home, name.clone()), shape);
                self.pending.push(Helper {
                    home,
                    name: name.clone(),
                    kind,
                    ty,
                });
            }
        }
        if home == Home::Rt && from != Home::Rt {
            return format!("rt.{name}");
        }
        self.import(from, home, &name);
        name
    }

    /// Generates every helper asked for (helpers ask for more).
    fn helpers(&mut self) -> Result<()> {
        while let Some(h) = self.pending.pop() {
            let src = abi::helper_source(self, &h);
            self.modules
                .entry(h.home)
                .or_default()
                .helpers
                .insert(h.name, src);
        }
        match &self.clash {
            Some(name) => bail!("two types would share the helper name `{name}`"),
            None => Ok(()),
        }
    }

    /// The part of helper names that names `ty`.
    fn frag(&self, ty: &Type) -> String {
        let id = match self.unalias(ty) {
            Type::Id(id) => id,
            Type::ErrorContext => return "ErrorContext".into(),
            t => return self.prim_name(&t),
        };
        match &self.resolve.types[id].kind {
            TypeDefKind::List(t) if self.is_bytes(t) => "Bytes".into(),
            TypeDefKind::List(t) => format!("List{}", self.frag(t)),
            TypeDefKind::Option(t) => format!("Option{}", self.frag(t)),
            TypeDefKind::Result(r) => format!(
                "Result{}{}",
                self.frag_or_unit(r.ok),
                self.frag_or_unit(r.err)
            ),
            TypeDefKind::Tuple(t) => {
                let parts: String = t.types.iter().map(|t| self.frag(t)).collect();
                format!("Tuple{}{parts}", t.types.len())
            }
            TypeDefKind::Handle(h) => {
                let r = self.resource_of(&Type::Id(id)).expect("checked handle");
                let own = matches!(h, Handle::Own(_));
                format!(
                    "{}{}",
                    if own { "Own" } else { "Borrow" },
                    self.type_name(r)
                )
            }
            _ => self.type_name(id),
        }
    }

    fn frag_or_unit(&self, ty: Option<Type>) -> String {
        ty.map(|t| self.frag(&t)).unwrap_or_else(|| "Unit".into())
    }

    /// `U32`, `String`, ... for a built-in type.
    fn prim_name(&self, ty: &Type) -> String {
        let p = self.prim(ty);
        match ty {
            Type::String => "String".into(),
            Type::Char => "Char".into(),
            Type::S8 | Type::S16 | Type::S32 | Type::S64 => p.replace('i', "S"),
            _ => upper_camel(p),
        }
    }

    /// The structure of `ty` with named types by id: equal for types that
    /// lift and lower alike.
    fn shape(&self, ty: &Type) -> String {
        let id = match self.unalias(ty) {
            Type::Id(id) => id,
            t => return format!("{t:?}"),
        };
        let one = |t: &Option<Type>| t.map(|t| self.shape(&t)).unwrap_or_default();
        match &self.resolve.types[id].kind {
            TypeDefKind::List(t) => format!("list<{}>", self.shape(t)),
            TypeDefKind::Option(t) => format!("option<{}>", self.shape(t)),
            TypeDefKind::Result(r) => format!("result<{},{}>", one(&r.ok), one(&r.err)),
            TypeDefKind::Tuple(t) => {
                let parts: Vec<String> = t.types.iter().map(|t| self.shape(t)).collect();
                format!("tuple<{}>", parts.join(","))
            }
            TypeDefKind::Handle(h) => {
                let r = self.resource_of(&Type::Id(id)).expect("checked handle");
                let own = matches!(h, Handle::Own(_));
                format!("{}<#{}>", if own { "own" } else { "borrow" }, r.index())
            }
            _ => format!("#{}", id.index()),
        }
    }

    /// The interfaces whose named types `ty` is built from.
    fn refs(&self, ty: &Type, out: &mut BTreeSet<InterfaceId>) {
        let Type::Id(id) = ty else { return };
        let td = &self.resolve.types[*id];
        if let TypeDefKind::Type(t) = &td.kind {
            return self.refs(t, out);
        }
        if td.name.is_some() {
            if let TypeOwner::Interface(i) = td.owner {
                out.insert(i);
            }
            return;
        }
        match &td.kind {
            TypeDefKind::List(t) | TypeDefKind::Option(t) => self.refs(t, out),
            TypeDefKind::Result(r) => {
                r.ok.iter().chain(&r.err).for_each(|t| self.refs(t, out));
            }
            TypeDefKind::Tuple(t) => t.types.iter().for_each(|t| self.refs(t, out)),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                self.refs(&Type::Id(*r), out)
            }
            _ => {}
        }
    }

    // ---- interfaces ------------------------------------------------------

    /// The type definitions and functions of the module of interface `id`.
    fn interface(&mut self, key: &WorldKey, id: InterfaceId, dir: &Direction) -> Result<String> {
        let resolve = self.resolve;
        let iface = &resolve.interfaces[id];
        let qualified = resolve.name_world_key(key);
        let home = Home::Iface(id);
        self.modules.entry(home).or_default();
        let mut seen = BTreeSet::new();
        for ty in iface.types.values() {
            self.check(&Type::Id(*ty), &mut seen)?;
            if *dir == Direction::Export && matches!(resolve.types[*ty].kind, TypeDefKind::Resource)
            {
                bail!(
                    "`{qualified}` defines the resource `{}`; exported resources are not supported (imported ones are)",
                    resolve.types[*ty].name.as_deref().unwrap_or("?")
                );
            }
        }
        for func in iface.functions.values() {
            match func.kind {
                FunctionKind::Freestanding => {}
                FunctionKind::Method(_)
                | FunctionKind::Static(_)
                | FunctionKind::Constructor(_) => {}
                _ => bail!(
                    "function `{}` of `{qualified}` is async; not supported",
                    func.name
                ),
            }
            for t in func.params.iter().map(|p| &p.ty).chain(&func.result) {
                self.check(t, &mut seen)
                    .with_context(|| format!("in `{}`", func.name))?;
            }
        }
        let mut body = String::new();
        for ty in iface.types.values() {
            self.typedef(home, *ty, &mut body);
            // `file` re-exports `use`d types.
            if let Some(orig) = self.used(*ty)
                && let TypeOwner::Interface(owner) = resolve.types[orig].owner
            {
                let name = self.type_name(orig);
                self.import(home, Home::Iface(owner), &name);
            }
        }
        match dir {
            Direction::Import => {
                for ty in iface.types.values() {
                    if matches!(resolve.types[*ty].kind, TypeDefKind::Resource) {
                        self.resource_class(home, &qualified, id, *ty, &mut body)?;
                    }
                }
                for func in iface.functions.values() {
                    if matches!(func.kind, FunctionKind::Freestanding) {
                        self.import_func(home, &qualified, func, &mut body);
                    }
                }
            }
            Direction::Export => self.export_funcs(home, &qualified, id, &mut body),
        }
        Ok(body)
    }

    /// The wrapper's parameters and result type of `func` (without the
    /// `self` of a method, which is `this`).
    fn signature(&mut self, home: Home, func: &Function) -> (String, String) {
        let skip = usize::from(matches!(func.kind, FunctionKind::Method(_)));
        let params: Vec<String> = func
            .params
            .iter()
            .skip(skip)
            .map(|p| format!("{}: {}", param_ident(&p.name), self.ty(home, &p.ty)))
            .collect();
        let result = match &func.result {
            Some(r) => self.ty(home, r),
            None => "void".into(),
        };
        (params.join(", "), result)
    }

    /// The `@external` declaration of the core import `raw` of `func`.
    fn declare_import(&self, qualified: &str, func: &Function, raw: &str) -> String {
        let sig = self.resolve.wasm_signature(AbiVariant::GuestImport, func);
        let core_params: Vec<String> = sig
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}: {}", abi::core_param(&sig, i, true), abi::core(*t)))
            .collect();
        let core_ret = sig.results.first().map_or("void", |t| abi::core(*t));
        format!(
            "// @ts-ignore: decorator\n@external(\"{qualified}\", \"{}\")\ndeclare function {raw}({}): {core_ret};\n\n",
            func.name,
            core_params.join(", ")
        )
    }

    fn import_func(&mut self, home: Home, qualified: &str, func: &Function, out: &mut String) {
        let raw = format!("__import_{}", lower_camel(&func.name));
        out.push_str(&self.declare_import(qualified, func, &raw));
        let (params, result) = self.signature(home, func);
        out.push_str(&docs_of(&func.docs, ""));
        let body = abi::import_body(self, home, func, raw, "  ");
        let _ = writeln!(
            out,
            "export function {}({params}): {result} {{\n{body}}}\n",
            ident(&func.name)
        );
    }

    /// The class of imported resource `ty` of interface `iface`: a handle
    /// wrapper with `drop()`, its constructor as `static create`, its static
    /// functions and its methods.
    fn resource_class(
        &mut self,
        home: Home,
        qualified: &str,
        iface: InterfaceId,
        ty: TypeId,
        out: &mut String,
    ) -> Result<()> {
        let resolve = self.resolve;
        let td = &resolve.types[ty];
        let wit_name = td.name.as_deref().context("an anonymous resource")?;
        let name = self.type_name(ty);
        let drop_raw = format!("__drop_{name}");
        let _ = writeln!(
            out,
            "// @ts-ignore: decorator\n@external(\"{qualified}\", \"[resource-drop]{wit_name}\")\ndeclare function {drop_raw}(handle: i32): void;\n"
        );
        // Members the class defines itself: (static, name).
        let mut taken: BTreeSet<(bool, String)> = [
            "handle",
            "drop",
            "borrowHandle",
            "takeHandle",
            "constructor",
        ]
        .iter()
        .map(|n| (false, n.to_string()))
        .collect();
        let mut members = String::new();
        for func in resolve.interfaces[iface].functions.values() {
            let (word, is_static, member) = match func.kind {
                FunctionKind::Constructor(r) if r == ty => ("constructor", true, "create".into()),
                FunctionKind::Static(r) if r == ty => ("static", true, ident(func.item_name())),
                FunctionKind::Method(r) if r == ty => ("method", false, ident(func.item_name())),
                _ => continue,
            };
            if !taken.insert((is_static, member.clone())) {
                bail!(
                    "`{}` of `{qualified}` would be the member `{member}` of class `{name}`, which is taken",
                    func.name
                );
            }
            let raw = match func.kind {
                FunctionKind::Constructor(_) => format!("__{word}_{name}"),
                _ => format!("__{word}_{name}_{}", lower_camel(func.item_name())),
            };
            out.push_str(&self.declare_import(qualified, func, &raw));
            let (params, result) = self.signature(home, func);
            members.push('\n');
            members.push_str(&docs_of(&func.docs, "  "));
            let body = abi::import_body(self, home, func, raw, "    ");
            let _ = writeln!(
                members,
                "  {}{member}({params}): {result} {{\n{body}  }}",
                if is_static { "static " } else { "" }
            );
        }
        out.push_str(&docs_of(&td.docs, ""));
        let _ = writeln!(
            out,
            "export class {name} {{
  /**
   * The handle of the `{wit_name}` resource: owned, unless the object came
   * in as a `borrow` parameter; 0 once dropped or handed over.
   */
  handle: i32;

  /** Wraps `handle`, which this object takes over (see `drop`). */
  constructor(handle: i32) {{
    this.handle = handle;
  }}

  /**
   * Drops the resource (a no-op once dropped or handed over). Drop every
   * owned resource when done with it, children before parents: objects are
   * not dropped on their own.
   */
  drop(): void {{
    if (this.handle != 0) {{
      {drop_raw}(this.handle);
      this.handle = 0;
    }}
  }}

  /** The handle, lent to a call; aborts if dropped. */
  borrowHandle(): i32 {{
    if (this.handle == 0) abort(\"{wit_name} used after drop\");
    return this.handle;
  }}

  /** The handle, handed over to a call that takes ownership; aborts if dropped. */
  takeHandle(): i32 {{
    const handle = this.borrowHandle();
    this.handle = 0;
    return handle;
  }}
{members}}}
"
        );
        Ok(())
    }

    /// The implementation class of exported interface `id` and the export
    /// shims that call it.
    fn export_funcs(&mut self, home: Home, qualified: &str, id: InterfaceId, out: &mut String) {
        let resolve = self.resolve;
        let iface = &resolve.interfaces[id];
        let class = upper_camel(iface.name.as_deref().unwrap_or("exports"));
        let _ = writeln!(
            out,
            "/**\n * Implement `{qualified}` by extending this class and passing an\n * instance to `set{class}`.\n */\nexport abstract class {class} {{"
        );
        let mut shims = String::new();
        for func in iface.functions.values() {
            let (params, result) = self.signature(home, func);
            out.push_str(&docs_of(&func.docs, "  "));
            let _ = writeln!(out, "  abstract {}({params}): {result};", ident(&func.name));

            let sig = resolve.wasm_signature(AbiVariant::GuestExport, func);
            let export_name = format!("{qualified}#{}", func.name);
            let core_params: Vec<String> = sig
                .params
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{}: {}", abi::core_param(&sig, i, false), abi::core(*t)))
                .collect();
            let core_ret = sig.results.first().map_or("void", |t| abi::core(*t));
            let target = format!("impl{class}().{}", ident(&func.name));
            let body = abi::export_body(self, home, func, &sig, target);
            let _ = writeln!(
                shims,
                "/** Export shim of `{export_name}`. */\nexport function {}({}): {core_ret} {{\n{body}}}\n",
                export_shim_name(&export_name),
                core_params.join(", ")
            );
            if guest_export_needs_post_return(resolve, func) {
                let _ = writeln!(
                    shims,
                    "/** Post-return of `{export_name}`: frees the buffers of its result. */\nexport function {}(ret: {core_ret}): void {{\n  rt.deferRelease(exportMark);\n}}\n",
                    export_shim_name(&format!("cabi_post_{export_name}"))
                );
            }
        }
        let _ = writeln!(
            out,
            "}}\n\nlet implementation: {class} | null = null;\nlet exportMark: i32 = 0;\n\n/** Registers the implementation of `{qualified}`; call it at start-up. */\nexport function set{class}(value: {class}): void {{\n  implementation = value;\n}}\n\nfunction impl{class}(): {class} {{\n  if (implementation === null) abort(\"no implementation of {qualified} registered (call set{class})\");\n  return implementation!;\n}}\n"
        );
        out.push_str(&shims);
    }

    /// The `export { ... } from` line of `exports.ts` for exported `id`.
    fn export_list(&self, key: &WorldKey, id: InterfaceId) -> Result<String> {
        let qualified = self.resolve.name_world_key(key);
        let mut shims = Vec::new();
        for func in self.resolve.interfaces[id].functions.values() {
            let name = format!("{qualified}#{}", func.name);
            shims.push(export_shim_name(&name));
            if guest_export_needs_post_return(self.resolve, func) {
                shims.push(export_shim_name(&format!("cabi_post_{name}")));
            }
        }
        Ok(format!(
            "export {{\n  {},\n}} from \"./{}\";",
            shims.join(",\n  "),
            self.iface_path(id)?.trim_end_matches(".ts")
        ))
    }

    /// The imports of module `home`, relative to a module `depth` folders
    /// down.
    fn import_lines(&self, home: Home, depth: usize) -> String {
        let up = "../".repeat(depth);
        let mut out = String::new();
        let m = &self.modules[&home];
        if !m.rt.is_empty() {
            let names: Vec<&str> = m.rt.iter().map(String::as_str).collect();
            let _ = writeln!(out, "import {{ {} }} from \"{up}rt\";", names.join(", "));
        }
        let _ = writeln!(out, "import * as rt from \"{up}rt\";");
        for (path, names) in &m.imports {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "import {{ {} }} from \"{up}{path}\";",
                names.join(", ")
            );
        }
        out
    }

    /// The helpers of module `home`, if any.
    fn helper_section(&self, home: Home) -> String {
        let helpers = &self.modules[&home].helpers;
        if helpers.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "// ---- Canonical ABI glue: lifting from and lowering to linear memory.\n\n",
        );
        for src in helpers.values() {
            out.push_str(src);
            out.push('\n');
        }
        out
    }

    /// The module of interface `id` around its `body`.
    fn file(
        &mut self,
        key: &WorldKey,
        id: InterfaceId,
        dir: &Direction,
        body: String,
    ) -> Result<String> {
        let resolve = self.resolve;
        let iface = &resolve.interfaces[id];
        let qualified = resolve.name_world_key(key);
        let home = Home::Iface(id);
        let mut out = header(&format!(
            "Interface `{qualified}` ({}).",
            match dir {
                Direction::Import => "imported",
                Direction::Export => "exported",
            }
        ));
        let depth = self.iface_path(id)?.matches('/').count();
        out.push_str(&self.import_lines(home, depth));
        // Re-export `use`d types so users find them in this module too.
        for ty in iface.types.values() {
            if let Some(orig) = self.used(*ty) {
                let _ = writeln!(out, "export {{ {} }};", self.type_name(orig));
            }
        }
        out.push('\n');
        out.push_str(&docs_of(&iface.docs, ""));
        if iface.docs.contents.is_some() {
            out.push('\n');
        }
        let (size, align) = self.modules[&home].ret_area;
        if size > 0 {
            let _ = writeln!(
                out,
                "// Return area of this module's calls.\nconst RET_AREA: usize = memory.data({size}, {align});\n"
            );
        }
        out.push_str(&body);
        out.push_str(&self.helper_section(home));
        Ok(out.trim_end().to_string() + "\n")
    }

    /// `rt.ts`: the runtime, the tuple classes and the helpers of built-in
    /// types.
    fn runtime(&mut self) -> String {
        let mut out = header("Runtime support shared by the generated modules.");
        out.push_str(include_str!("runtime.ts"));
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
        self.modules.entry(Home::Rt).or_default();
        let helpers = self.helper_section(Home::Rt);
        if !helpers.is_empty() {
            out.push('\n');
            out.push_str(&helpers);
        }
        out.trim_end().to_string() + "\n"
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn generate(wit: &str, world: &str) -> BTreeMap<String, String> {
        let mut resolve = Resolve::default();
        let pkg = resolve.push_str("test.wit", wit).unwrap();
        let world = resolve.select_world(&[pkg], Some(world)).unwrap();
        generate_assemblyscript(&resolve, world).unwrap()
    }

    fn dapr(world: &str) -> BTreeMap<String, String> {
        let (resolve, pkg) = crate::test_wit::resolve();
        let w = resolve.select_world(&[pkg], Some(world)).unwrap();
        generate_assemblyscript(&resolve, w).unwrap()
    }

    /// How often `needle` occurs in all of `files`.
    fn count(files: &BTreeMap<String, String>, needle: &str) -> usize {
        files.values().map(|f| f.matches(needle).count()).sum()
    }

    /// A world with every type shape the generator supports, imported and
    /// exported, flat and in memory.
    const SHAPES: &str = r#"
        package t:shapes;

        interface types {
          record point { x: s32, y: s32 }
          enum color { red, green, blue }
          variant shape { circle(f32), square(u64), label(string), none }
          type tags = list<tuple<string, u8>>;
        }

        interface api {
          use types.{point, color, shape, tags};
          record item {
            name: string, at: point, color: color, shape: shape, tags: tags,
            maybe: option<u32>, bytes: list<u8>, nested: list<list<string>>,
            pair: tuple<bool, f64>, outcome: result<string, u16>, ch: char,
          }
          variant event { moved(point), renamed(item), cleared }
          put: func(item: item, shapes: list<shape>, c: option<color>, r: result<_, string>) -> result<list<item>, event>;
          flat: func(s: shape, o: option<u64>, t: tuple<s8, u16, char>) -> result<f32, s64>;
          scalar: func(a: bool, b: u8, c: s16, d: u64, e: f64) -> char;
          many: func(a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string, i: string) -> option<point>;
          nothing: func();
        }

        interface handler {
          use types.{point, shape};
          use api.{item, event};
          handle: func(item: item, s: shape) -> result<event, string>;
          count: func(p: point, maybe: option<string>) -> u32;
          big: func(a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string, i: string) -> list<shape>;
          quiet: func(s: shape, r: result<u64, f32>);
        }

        world everything { import api; export handler; }
    "#;

    #[test]
    fn zero_sized_records_lower_to_nothing() {
        let files = generate(
            r#"
            package t:empty;
            interface api {
              record nothing {}
              variant v { a(list<nothing>), b }
              put: func(r: result<_, nothing>, v: v, n: nothing) -> result<nothing, v>;
            }
            interface handler {
              record nothing {}
              take: func(r: result<nothing, string>) -> option<nothing>;
            }
            world w { import api; export handler; }
            "#,
            "w",
        );
        assert!(!files.values().any(|f| f.contains(DEFERRED_MARK)));
    }

    /// What an unfinished deferred lowering would leave in the output.
    const DEFERRED_MARK: char = '\u{1}';

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
    fn strings_and_bytes_lower_in_place() {
        let files = generate(
            "package t:t; interface i { f: func(s: string, b: list<u8>) -> u32; } world w { import i; }",
            "w",
        );
        let src = &files["t/t/i.ts"];
        assert!(src.contains("@external(\"t:t/i\", \"f\")"), "{src}");
        assert!(
            src.contains(
                "declare function __import_f(p0: usize, p1: i32, p2: usize, p3: i32): i32;"
            ),
            "{src}"
        );
        assert!(
            src.contains(
                "const ret = __import_f(changetype<usize>(s), s.length, b.dataStart, b.length);"
            ),
            "{src}"
        );
        assert!(src.contains("return <u32>ret;"), "{src}");
        assert!(!src.contains("deferMark"), "nothing to free: {src}");
    }

    #[test]
    fn results_use_a_return_area_and_helpers() {
        let files = generate(
            "package t:t; interface i { variant e { a(string), b } f: func() -> result<option<string>, e>; } world w { import i; }",
            "w",
        );
        let src = &files["t/t/i.ts"];
        assert!(
            src.contains("declare function __import_f(retptr: usize): void;"),
            "{src}"
        );
        assert!(
            src.contains("const RET_AREA: usize = memory.data(16, 4);"),
            "{src}"
        );
        assert!(
            src.contains("export function f(): Result<string | null, E> {\n  __import_f(RET_AREA);\n  return lift_ResultOptionStringE(RET_AREA);\n}"),
            "{src}"
        );
        assert!(
            src.contains("case 0: return rt.ok<string | null, E>(rt.lift_OptionString(ptr + 4));"),
            "{src}"
        );
        assert!(
            src.contains(
                "case 0: return E.a(rt.liftString(load<usize>(ptr, 4), <u32>load<i32>(ptr, 8)));"
            ),
            "{src}"
        );
        assert!(
            files["rt.ts"]
                .contains("export function lift_OptionString(ptr: usize): string | null {"),
            "helpers of built-in types live in rt.ts"
        );
        assert!(src.contains("static a(value: string): E"), "{src}");
    }

    #[test]
    fn records_lists_and_tuples_lower_through_helpers() {
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
        assert!(
            src.contains("  const mark = rt.deferMark();\n  __import_f(lower_ListR(items), items.length);\n  rt.deferRelease(mark);\n"),
            "{src}"
        );
        assert!(
            src.contains("const ptr = rt.allocList(list.length, 40);"),
            "{src}"
        );
        assert!(src.contains("lower_R(unchecked(list[i]), base);"), "{src}");
        assert!(src.contains("rt.lower_OptionU64(v.n, ptr + 24);"), "{src}");
        assert!(files["rt.ts"].contains("store<i64>(ptr, <i64>v_2, 8);"));
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
            src.contains("declare function __import_f(args: usize): void;"),
            "{src}"
        );
        assert!(src.contains("const args = rt.allocList(1, 72);"), "{src}");
        assert!(
            src.contains("store<usize>(args, changetype<usize>(a8), 64);"),
            "{src}"
        );
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
                "export function {}(p0: usize, p1: i32): usize",
                export_shim_name("t:t/h#g")
            )),
            "{src}"
        );
        assert!(
            src.contains("const result = implH().g(rt.liftString(p0, <u32>p1));\n  exportMark = rt.deferMark();"),
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
        assert!(!src.contains(&export_shim_name("cabi_post_t:t/h#k")));
        assert!(files["exports.ts"].contains(&format!("  {},\n", export_shim_name("t:t/h#k"))));
        assert!(files["exports.ts"].contains("} from \"./t/t/h\";"));
    }

    #[test]
    fn dapr_worlds_generate() {
        for world in ["client", "app", "http-app"] {
            let files = dapr(world);
            assert!(files.contains_key("dapr/runtime/state.ts"));
            assert!(files["dapr/runtime/types.ts"].contains("export class DaprError {"));
            assert!(files["dapr/runtime/state.ts"].contains(
                "export function delete_(store_: string, item: DeleteItem): Result<Unit, DaprError>"
            ));
        }
        let http = dapr("http-app");
        let types = &http["wasi/http/types.ts"];
        assert!(types.contains("export class IncomingRequest {"), "{types}");
        assert!(
            types.contains("@external(\"wasi:http/types@0.2.12\", \"[resource-drop]fields\")"),
            "{types}"
        );
        assert!(http["wasi/io/error.ts"].contains("export class WasiError {"));
        assert!(http["exports.ts"].contains(&export_shim_name(
            "wasi:http/incoming-handler@0.2.12#handle"
        )));
    }

    /// Both worlds in one set of bindings: the shared modules once, the
    /// exports of each world in its own file.
    #[test]
    fn several_worlds_share_one_set_of_bindings() {
        let (resolve, pkg) = crate::test_wit::resolve();
        let worlds: Vec<WorldId> = ["app", "http-app"]
            .iter()
            .map(|w| resolve.select_world(&[pkg], Some(w)).unwrap())
            .collect();
        let files = generate_assemblyscript_worlds(&resolve, &worlds).unwrap();
        let app = dapr("app");
        for (path, text) in &app {
            if path != "rt.ts" {
                assert_eq!(files.get(path), Some(text), "{path}");
            }
        }
        let http = &files["exports-http-app.ts"];
        assert!(
            http.contains("from \"./wasi/http/incoming-handler\";"),
            "{http}"
        );
        assert!(!http.contains("dapr:runtime/handler"), "{http}");
        assert!(files.contains_key("wasi/http/types.ts"));
        assert!(generate_assemblyscript_worlds(&resolve, &[]).is_err());
    }

    /// A resource with every kind of function, handles in every position.
    const RESOURCES: &str = r#"
        package t:res;

        interface api {
          /// A counter.
          resource counter {
            constructor(start: u64);
            /// Adds `n`.
            add: func(n: u32) -> u64;
            merge: static func(a: own<counter>, b: borrow<counter>) -> counter;
            peek: func(other: option<borrow<counter>>) -> result<tuple<u64, s64>, string>;
            split: func() -> list<counter>;
          }
          flags perms { read, write, exec }
          variant slot { empty, full(counter), pair(tuple<counter, perms>) }
          take: func(c: counter, maybe: option<counter>, s: slot) -> result<counter, slot>;
          perms-of: func(p: perms, many: list<borrow<counter>>) -> perms;
        }

        interface handler {
          use api.{counter, slot};
          handle: func(c: counter, s: slot) -> option<counter>;
        }

        world w { import api; export handler; }
    "#;

    #[test]
    fn resources_become_classes() {
        let files = generate(RESOURCES, "w");
        let api = &files["t/res/api.ts"];
        for needle in [
            "@external(\"t:res/api\", \"[resource-drop]counter\")\ndeclare function __drop_Counter(handle: i32): void;",
            "@external(\"t:res/api\", \"[constructor]counter\")\ndeclare function __constructor_Counter(p0: i64): i32;",
            "@external(\"t:res/api\", \"[method]counter.add\")\ndeclare function __method_Counter_add(p0: i32, p1: i32): i64;",
            "export class Counter {",
            "  static create(start: u64): Counter {\n    const ret = __constructor_Counter(<i64>start);\n    return new Counter(ret);\n  }",
            "  add(n: u32): u64 {\n    const ret = __method_Counter_add(this.borrowHandle(), <i32>n);\n    return <u64>ret;\n  }",
            "  static merge(a: Counter, b: Counter): Counter {\n    const ret = __static_Counter_merge(a.takeHandle(), b.borrowHandle());",
            "  peek(other: Counter | null): Result<Tuple2<u64, i64>, string> {",
            "  split(): Array<Counter> {",
            "export enum Perms {\n  Read = 1 << 0,\n  Write = 1 << 1,\n  Exec = 1 << 2,\n}",
            "export function take(c: Counter, maybe: Counter | null, s: Slot): Result<Counter, Slot> {",
            "export function permsOf(p: Perms, many: Array<Counter>): Perms {",
            "store<i32>(base, unchecked(list[i]).borrowHandle());",
            "new Counter(load<i32>(base))",
        ] {
            assert!(api.contains(needle), "{needle}\n---\n{api}");
        }
        let handler = &files["t/res/handler.ts"];
        assert!(handler.contains("export { Counter };"), "{handler}");
        assert!(
            handler.contains("implHandler().handle(new Counter(p0), r_1);\n  lower_OptionOwnCounter(result, RET_AREA);"),
            "{handler}"
        );
        assert!(
            api.contains(
                "export function lower_OptionOwnCounter(v: Counter | null, ptr: usize): void {"
            ),
            "{api}"
        );
        assert!(api.contains(".takeHandle(), 4);"), "{api}");
    }

    #[test]
    fn unsupported_shapes_are_clear_errors() {
        for (wit, needle) in [
            (
                "package t:t; interface h { resource r; f: func(x: r); } world w { export h; }",
                "exported resources are not supported",
            ),
            (
                "package t:t; interface i { resource r { drop: func(); } } world w { import i; }",
                "member `drop`",
            ),
            (
                "package t:t; interface i { flags f {} g: func(x: f); } world w { import i; }",
                "flags (f) with 0 members",
            ),
        ] {
            let mut resolve = Resolve::default();
            let pkg = resolve.push_str("test.wit", wit).unwrap();
            let world = resolve.select_world(&[pkg], Some("w")).unwrap();
            let err = generate_assemblyscript(&resolve, world).unwrap_err();
            assert!(format!("{err:#}").contains(needle), "{err:#}");
        }
    }

    #[test]
    fn one_helper_per_type() {
        let files = dapr("app");
        // Every import returns `result<_, error>` or another result with
        // `error`; its lifting exists once, in the module of `error`.
        assert_eq!(count(&files, "export function lift_DaprError("), 1);
        assert!(
            files["dapr/runtime/types.ts"]
                .contains("export function lift_DaprError(ptr: usize): DaprError {")
        );
        assert_eq!(
            count(&files, "export function lift_ResultUnitDaprError("),
            1
        );
        assert!(count(&files, "lift_ResultUnitDaprError(RET_AREA)") >= 5);
        assert_eq!(
            count(&files, "export function lower_ListTuple2StringString("),
            1
        );
        assert!(files["rt.ts"].contains("export function lower_ListTuple2StringString("));
        // No function inlines a case of `error`.
        for (path, src) in &files {
            if path != "dapr/runtime/types.ts" {
                assert!(!src.contains("DaprError.notFound("), "{path}");
            }
        }
        // Every helper that is called is defined, at most once per module
        // (two modules each have a `response` record).
        for src in files.values() {
            for name in src.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if name.starts_with("lift_") || name.starts_with("lower_") {
                    let definition = format!("export function {name}(");
                    assert!(count(&files, &definition) >= 1, "{name}");
                    assert!(
                        files.values().all(|f| f.matches(&definition).count() <= 1),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn output_is_reproducible() {
        assert_eq!(dapr("app"), dapr("app"));
        assert_eq!(
            generate(SHAPES, "everything"),
            generate(SHAPES, "everything")
        );
    }

    #[test]
    fn flat_variants_join_their_payloads() {
        let files = generate(SHAPES, "everything");
        let api = &files["t/shapes/api.ts"];
        // `shape` flattens to (i32, i64, i32): f32, u64 and a string pointer share a slot.
        assert!(
            api.contains("declare function __import_flat(p0: i32, p1: i64, p2: i32, p3: i32, p4: i64, p5: i32, p6: i32, p7: i32, retptr: usize): void;"),
            "{api}"
        );
        assert!(api.contains("<i64><u32>reinterpret<i32>("), "{api}");
        let handler = &files["t/shapes/handler.ts"];
        assert!(handler.contains("reinterpret<f32>(<i32>p1)"), "{handler}");
    }

    /// Compiles `files` with asc (from the AssemblyScript package's
    /// dependencies) from an entry that re-exports `modules` (so that none
    /// of their functions is skipped); `false` if asc is not installed.
    /// `code` is appended to the entry: asc compiles only what is used, and
    /// class members are not wasm exports.
    fn compiles_with_asc(files: BTreeMap<String, String>, modules: &[&str], code: &str) -> bool {
        let pkg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest-assemblyscript");
        let asc = pkg.join("node_modules/.bin/asc");
        if !asc.is_file() {
            eprintln!(
                "skipped: {} is missing (npm ci in guest-assemblyscript)",
                asc.display()
            );
            return false;
        }
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let file = dir.path().join("bindings").join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        let entry = dir.path().join("entry.ts");
        let mut text = String::from("export * from \"./bindings/exports\";\n");
        for m in modules {
            text.push_str(&format!("export * from \"./bindings/{m}\";\n"));
        }
        text.push_str(code);
        std::fs::write(&entry, text).unwrap();
        let out = std::process::Command::new(&asc)
            .arg(&entry)
            .args(["-o", "entry.wasm", "--exportStart", "_initialize"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.path().join("entry.wasm").is_file());
        true
    }

    #[test]
    fn every_shape_compiles_with_asc() {
        compiles_with_asc(generate(SHAPES, "everything"), &["t/shapes/api"], "");
    }

    #[test]
    fn resources_compile_with_asc() {
        compiles_with_asc(
            generate(RESOURCES, "w"),
            &["t/res/api"],
            r#"
            import { Counter as C, Perms as P, Slot as S, take as tk, permsOf as po } from "./bindings/t/res/api";
            import { Handler, setHandler } from "./bindings/t/res/handler";
            import { Tuple2 } from "./bindings/rt";
            export function run(): u64 {
              const c = C.create(1);
              const m = C.merge(c, C.create(3));
              m.peek(null);
              const parts = m.split();
              const r = tk(m, parts.length > 0 ? parts[0] : null, S.pair(new Tuple2<C, P>(C.create(4), P.Read | P.Exec)));
              if (r.isOk) r.value.drop();
              po(P.Write, parts);
              return m.add(2);
            }
            class H extends Handler {
              handle(c: C, s: S): C | null { return s.isFull() ? s.getFull() : c; }
            }
            setHandler(new H());
            "#,
        );
    }

    /// The `http-app` world: `wasi:http`, `wasi:io` and the rest of
    /// `wasi:http/proxy`, every imported function compiled.
    #[test]
    fn http_app_compiles_with_asc() {
        compiles_with_asc(
            dapr("http-app"),
            &[
                "wasi/http/types",
                "wasi/http/outgoing-handler",
                "wasi/io/streams",
                "wasi/io/poll",
                "wasi/io/error",
                "wasi/clocks/monotonic-clock",
                "wasi/clocks/wall-clock",
                "wasi/random/random",
                "wasi/cli/stdout",
                "wasi/cli/stdin",
                "wasi/cli/stderr",
            ],
            "",
        );
    }
}
