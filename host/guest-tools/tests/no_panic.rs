//! Property tests: no input panics the guest tooling. `componentize` gets
//! arbitrary bytes and small valid core modules with random imports and
//! exports; the AssemblyScript generator gets random WIT packages (names,
//! type shapes, uses across interfaces). Errors are fine; panics are not.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use wasm_encoder::{
    CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, ImportSection,
    Instruction, MemorySection, MemoryType, Module, TypeSection, ValType,
};
use wasmtime_dapr_guest_tools::assemblyscript::{export_shim_name, generate_assemblyscript};
use wasmtime_dapr_guest_tools::componentize::{Encoding, WORLDS, componentize_with};
use wit_parser::{PackageId, Resolve};

/// `default` cases per property, or `PROPTEST_CASES` for a longer search.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

/// The repository's `dapr:runtime` package, parsed once.
fn dapr() -> &'static (Resolve, PackageId) {
    static DAPR: OnceLock<(Resolve, PackageId)> = OnceLock::new();
    DAPR.get_or_init(|| {
        let mut resolve = Resolve::default();
        let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
        let (pkg, _) = resolve.push_dir(&wit).expect("the repository's WIT parses");
        (resolve, pkg)
    })
}

/// Componentizes `module` for every world in both encodings; errors are fine.
fn componentize_all(module: &[u8]) {
    let (resolve, pkg) = dapr();
    for world in WORLDS {
        let world = resolve.select_world(&[*pkg], Some(world)).unwrap();
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let _ = componentize_with(module, resolve, world, encoding);
        }
    }
}

fn val_type() -> impl Strategy<Value = ValType> {
    prop::sample::select(&[ValType::I32, ValType::I64, ValType::F32, ValType::F64][..])
}

/// Import module names: WASI, interfaces of the worlds, AssemblyScript's
/// `env`, and others.
fn import_module() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "wasi_snapshot_preview1",
            "dapr:runtime/state@0.1.0",
            "dapr:runtime/pubsub@0.1.0",
            "dapr:runtime/types@0.1.0",
            "dapr:runtime/invoke@0.1.0",
            "env",
            "$root",
        ][..])
        .prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ]
}

fn import_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "get", "save", "delete", "publish", "invoke-method", "fd_write", "proc_exit",
            "environ_get", "abort", "trace", "seed", "[resource-drop]x",
        ][..])
        .prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ]
}

/// Export names: the ones componentize looks at, AssemblyScript shims of
/// real and made-up functions, and others.
fn export_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "memory",
            "cabi_realloc",
            "_start",
            "_initialize",
            "dapr:runtime/handler@0.1.0#on-invoke",
            "dapr:runtime/handler@0.1.0#subscriptions",
            "wasi:http/incoming-handler@0.2.0#handle",
            "cabi_post_dapr:runtime/handler@0.1.0#on-invoke",
            "witexp_",
            "witexp__",
            "witexp_x_Q",
        ][..])
        .prop_map(str::to_string),
        2 => prop_oneof![
            Just("dapr:runtime/handler@0.1.0#on-invoke".to_string()),
            Just("dapr:runtime/handler@0.1.0#subscriptions".to_string()),
            Just("dapr:runtime/handler@0.1.0#on-topic-event".to_string()),
            "\\PC{0,12}",
        ]
        .prop_map(|name| export_shim_name(&name)),
        1 => "\\PC{0,12}",
    ]
}

/// A small valid core module: random function types, imports (mostly
/// functions), functions whose bodies trap, a memory, and exports.
fn module() -> impl Strategy<Value = Vec<u8>> {
    let types = prop::collection::vec(
        (
            prop::collection::vec(val_type(), 0..4),
            prop::collection::vec(val_type(), 0..2),
        ),
        1..4,
    );
    let imports = prop::collection::vec(
        (
            import_module(),
            import_name(),
            any::<u8>(),
            prop::bool::weighted(0.9),
        ),
        0..5,
    );
    let funcs = prop::collection::vec(any::<u8>(), 0..4);
    let exports = prop::collection::vec((export_name(), any::<u8>(), any::<bool>()), 0..6);
    (types, imports, funcs, exports, any::<bool>()).prop_map(
        |(types, imports, funcs, exports, memory)| {
            let mut module = Module::new();
            let mut type_section = TypeSection::new();
            for (params, results) in &types {
                type_section.ty().function(params.clone(), results.clone());
            }
            module.section(&type_section);
            let n_types = types.len() as u32;
            let mut import_section = ImportSection::new();
            let mut n_imported_funcs = 0;
            for (m, name, ty, func) in &imports {
                if *func {
                    import_section.import(m, name, EntityType::Function(u32::from(*ty) % n_types));
                    n_imported_funcs += 1;
                } else {
                    let memory = MemoryType {
                        minimum: 1,
                        maximum: None,
                        memory64: false,
                        shared: false,
                        page_size_log2: None,
                    };
                    import_section.import(m, name, EntityType::Memory(memory));
                }
            }
            if !imports.is_empty() {
                module.section(&import_section);
            }
            let mut function_section = FunctionSection::new();
            for ty in &funcs {
                function_section.function(u32::from(*ty) % n_types);
            }
            if !funcs.is_empty() {
                module.section(&function_section);
            }
            let has_memory = memory && imports.iter().all(|(.., func)| *func);
            if has_memory {
                let mut memories = MemorySection::new();
                memories.memory(MemoryType {
                    minimum: 1,
                    maximum: None,
                    memory64: false,
                    shared: false,
                    page_size_log2: None,
                });
                module.section(&memories);
            }
            let n_funcs = n_imported_funcs + funcs.len() as u32;
            let mut export_section = ExportSection::new();
            let mut any_export = false;
            let mut seen = std::collections::BTreeSet::new();
            for (name, index, is_func) in &exports {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if *is_func && n_funcs > 0 {
                    export_section.export(name, ExportKind::Func, u32::from(*index) % n_funcs);
                    any_export = true;
                } else if has_memory {
                    export_section.export(name, ExportKind::Memory, 0);
                    any_export = true;
                }
            }
            if any_export {
                module.section(&export_section);
            }
            if !funcs.is_empty() {
                let mut code = CodeSection::new();
                for _ in &funcs {
                    let mut f = Function::new([]);
                    f.instruction(&Instruction::Unreachable);
                    f.instruction(&Instruction::End);
                    code.function(&f);
                }
                module.section(&code);
            }
            module.finish()
        },
    )
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn componentize_arbitrary_bytes(
        header in prop::bool::ANY,
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let module = if header {
            [b"\0asm\x01\0\0\0".as_slice(), &bytes].concat()
        } else {
            bytes
        };
        componentize_all(&module);
    }

    #[test]
    fn componentize_small_modules(module in module()) {
        wasmparser::validate(&module).expect("the generator makes valid modules");
        componentize_all(&module);
    }

    #[test]
    fn componentize_truncated_modules(module in module(), cut in any::<prop::sample::Index>()) {
        let cut = cut.index(module.len() + 1);
        componentize_all(&module[..cut]);
    }
}

// ---------------------------------------------------------------------------
// Random WIT for the AssemblyScript generator.

/// A WIT type expression; `Named(i)` is the i-th type defined before it.
#[derive(Clone, Debug)]
enum Ty {
    Prim(&'static str),
    List(Box<Ty>),
    Option(Box<Ty>),
    Result(Option<Box<Ty>>, Option<Box<Ty>>),
    Tuple(Vec<Ty>),
    Named(usize),
    Borrow(usize),
    Own(usize),
}

const PRIMS: &[&str] = &[
    "bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "char", "string",
];

fn ty() -> impl Strategy<Value = Ty> {
    let leaf = prop_oneof![
        4 => prop::sample::select(PRIMS).prop_map(Ty::Prim),
        2 => any::<usize>().prop_map(Ty::Named),
        1 => any::<usize>().prop_map(Ty::Borrow),
        1 => any::<usize>().prop_map(Ty::Own),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Ty::List(Box::new(t))),
            inner.clone().prop_map(|t| Ty::Option(Box::new(t))),
            (
                prop::option::of(inner.clone().prop_map(Box::new)),
                prop::option::of(inner.clone().prop_map(Box::new))
            )
                .prop_map(|(ok, err)| Ty::Result(ok, err)),
            prop::collection::vec(inner, 1..4).prop_map(Ty::Tuple),
        ]
    })
}

/// A type definition: its kind and the types (or case/field counts) in it.
#[derive(Clone, Debug)]
enum Def {
    Record(Vec<(String, Ty)>),
    Variant(Vec<(String, Option<Ty>)>),
    Enum(Vec<String>),
    Flags(Vec<String>),
    Alias(Ty),
    Resource,
}

/// WIT identifiers, many of them words that mean something in
/// AssemblyScript, TypeScript or the generated runtime.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9]{0,5}(-[a-z][a-z0-9]{0,3}){0,2}",
        2 => prop::sample::select(&[
            "type", "class", "string", "default", "constructor", "prototype", "result",
            "option", "list", "i32", "usize", "null", "this", "rt", "memory", "abort",
            "cabi-realloc", "%interface", "%record", "%type", "value", "ptr", "len", "ret",
            "tuple2", "box", "new", "delete", "function", "export", "import", "from",
            "x", "a-b", "a-b-c", "witexp", "lift", "lower", "%flags", "%resource",
        ][..])
        .prop_map(str::to_string),
    ]
    .prop_map(|n| n.trim_start_matches('%').to_string())
}

fn def() -> impl Strategy<Value = Def> {
    prop_oneof![
        3 => prop::collection::vec((name(), ty()), 0..4).prop_map(Def::Record),
        3 => prop::collection::vec((name(), prop::option::of(ty())), 0..4).prop_map(Def::Variant),
        2 => prop::collection::vec(name(), 0..4).prop_map(Def::Enum),
        1 => prop::collection::vec(name(), 0..4).prop_map(Def::Flags),
        2 => ty().prop_map(Def::Alias),
        1 => Just(Def::Resource),
    ]
}

#[derive(Clone, Debug)]
struct Func {
    name: String,
    params: Vec<(String, Ty)>,
    result: Option<Ty>,
}

fn func() -> impl Strategy<Value = Func> {
    (
        name(),
        prop::collection::vec((name(), ty()), 0..5),
        prop::option::of(ty()),
    )
        .prop_map(|(name, params, result)| Func {
            name,
            params,
            result,
        })
}

#[derive(Clone, Debug)]
struct Iface {
    name: String,
    defs: Vec<(String, Def)>,
    funcs: Vec<Func>,
    /// Names of the previous interface's types to `use`.
    uses: Vec<usize>,
}

fn iface() -> impl Strategy<Value = Iface> {
    (
        name(),
        prop::collection::vec((name(), def()), 0..5),
        prop::collection::vec(func(), 0..4),
        prop::collection::vec(any::<usize>(), 0..3),
    )
        .prop_map(|(name, defs, funcs, uses)| Iface {
            name,
            defs,
            funcs,
            uses,
        })
}

/// Names visible at one point of an interface, resources apart.
struct Scope<'a> {
    types: Vec<&'a str>,
    resources: Vec<&'a str>,
}

/// Makes names unique within one namespace and writes them as explicit
/// identifiers (`%type`), so WIT keywords are names too.
#[derive(Default)]
struct Names(std::collections::BTreeSet<String>);

impl Names {
    fn unique(&mut self, name: &str) -> String {
        let mut name = name.to_string();
        while !self.0.insert(name.clone()) {
            name.push_str("-z");
        }
        name
    }
}

fn ident(name: &str) -> String {
    format!("%{name}")
}

fn render_ty(ty: &Ty, scope: &Scope<'_>) -> String {
    let pick = |names: &[&str], i: usize, or: &str| {
        if names.is_empty() {
            or.to_string()
        } else {
            names[i % names.len()].to_string()
        }
    };
    match ty {
        Ty::Prim(p) => p.to_string(),
        Ty::List(t) => format!("list<{}>", render_ty(t, scope)),
        Ty::Option(t) => format!("option<{}>", render_ty(t, scope)),
        Ty::Result(None, None) => "result".to_string(),
        Ty::Result(Some(ok), None) => format!("result<{}>", render_ty(ok, scope)),
        Ty::Result(None, Some(err)) => format!("result<_, {}>", render_ty(err, scope)),
        Ty::Result(Some(ok), Some(err)) => {
            format!(
                "result<{}, {}>",
                render_ty(ok, scope),
                render_ty(err, scope)
            )
        }
        Ty::Tuple(ts) => format!(
            "tuple<{}>",
            ts.iter()
                .map(|t| render_ty(t, scope))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Ty::Named(_) if scope.types.is_empty() => "u32".to_string(),
        Ty::Named(i) => ident(&pick(&scope.types, *i, "")),
        Ty::Borrow(_) if scope.resources.is_empty() => "u32".to_string(),
        Ty::Borrow(i) => format!("borrow<{}>", ident(&pick(&scope.resources, *i, ""))),
        Ty::Own(_) if scope.resources.is_empty() => "string".to_string(),
        Ty::Own(i) => ident(&pick(&scope.resources, *i, "")),
    }
}

/// The WIT text of a package of `ifaces` and a world over them.
fn render(ifaces: &[Iface], world: &[(bool, usize)], version: bool) -> String {
    let mut out = format!(
        "package fuzz:pkg{};\n\n",
        if version { "@0.1.0" } else { "" }
    );
    // Unique interface names, and unique item names within each.
    let mut iface_names = Names::default();
    let ifaces: Vec<Iface> = ifaces
        .iter()
        .map(|iface| {
            let mut items = Names::default();
            let mut iface = iface.clone();
            iface.name = iface_names.unique(&iface.name);
            for (name, _) in &mut iface.defs {
                *name = items.unique(name);
            }
            for f in &mut iface.funcs {
                f.name = items.unique(&f.name);
            }
            iface
        })
        .collect();
    let ifaces = &ifaces[..];
    let mut previous: Option<&Iface> = None;
    for iface in ifaces {
        let mut scope = Scope {
            types: Vec::new(),
            resources: Vec::new(),
        };
        out.push_str(&format!("interface {} {{\n", ident(&iface.name)));
        if let Some(prev) = previous.filter(|p| !p.defs.is_empty()) {
            let mut used: Vec<&str> = iface
                .uses
                .iter()
                .map(|i| prev.defs[i % prev.defs.len()].0.as_str())
                .collect();
            used.sort();
            used.dedup();
            if !used.is_empty() {
                let list: Vec<String> = used.iter().map(|u| ident(u)).collect();
                out.push_str(&format!(
                    "  use {}.{{{}}};\n",
                    ident(&prev.name),
                    list.join(", ")
                ));
                for u in used {
                    let is_resource = prev
                        .defs
                        .iter()
                        .any(|(n, d)| n == u && matches!(d, Def::Resource));
                    if is_resource {
                        scope.resources.push(u);
                    } else {
                        scope.types.push(u);
                    }
                }
            }
        }
        for (name, def) in &iface.defs {
            let mut members = Names::default();
            let mut member = |m: &str| ident(&members.unique(m));
            let line = match def {
                Def::Record(fields) => format!(
                    "record {} {{ {} }}",
                    ident(name),
                    fields
                        .iter()
                        .map(|(f, t)| format!("{}: {}", member(f), render_ty(t, &scope)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Def::Variant(cases) => format!(
                    "variant {} {{ {} }}",
                    ident(name),
                    cases
                        .iter()
                        .map(|(c, t)| match t {
                            Some(t) => format!("{}({})", member(c), render_ty(t, &scope)),
                            None => member(c),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Def::Enum(cases) => format!(
                    "enum {} {{ {} }}",
                    ident(name),
                    cases
                        .iter()
                        .map(|c| member(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Def::Flags(flags) => format!(
                    "flags {} {{ {} }}",
                    ident(name),
                    flags
                        .iter()
                        .map(|f| member(f))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Def::Alias(t) => format!("type {} = {};", ident(name), render_ty(t, &scope)),
                Def::Resource => format!("resource {};", ident(name)),
            };
            out.push_str(&format!("  {line}\n"));
            match def {
                Def::Resource => scope.resources.push(name),
                _ => scope.types.push(name),
            }
        }
        for f in &iface.funcs {
            let mut members = Names::default();
            let params = f
                .params
                .iter()
                .map(|(p, t)| format!("{}: {}", ident(&members.unique(p)), render_ty(t, &scope)))
                .collect::<Vec<_>>()
                .join(", ");
            let result = f
                .result
                .as_ref()
                .map(|t| format!(" -> {}", render_ty(t, &scope)))
                .unwrap_or_default();
            out.push_str(&format!("  {}: func({params}){result};\n", ident(&f.name)));
        }
        out.push_str("}\n\n");
        previous = Some(iface);
    }
    out.push_str("world fuzz {\n");
    let mut seen = std::collections::BTreeSet::new();
    for (export, i) in world {
        let i = i % ifaces.len().max(1);
        if !seen.insert(i) {
            continue;
        }
        if let Some(iface) = ifaces.get(i) {
            let verb = if *export { "export" } else { "import" };
            out.push_str(&format!("  {verb} {};\n", ident(&iface.name)));
        }
    }
    out.push_str("}\n");
    out
}

/// Parses `wit` and generates bindings for world `fuzz`; errors are fine.
fn generate(wit: &str) {
    let mut resolve = Resolve::default();
    let Ok(pkg) = resolve.push_str("fuzz.wit", wit) else {
        return;
    };
    let Ok(world) = resolve.select_world(&[pkg], Some("fuzz")) else {
        return;
    };
    let _ = generate_assemblyscript(&resolve, world);
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn assemblyscript_random_packages(
        ifaces in prop::collection::vec(iface(), 1..4),
        world in prop::collection::vec((any::<bool>(), any::<usize>()), 0..4),
        version in any::<bool>(),
    ) {
        generate(&render(&ifaces, &world, version));
    }

    #[test]
    fn assemblyscript_arbitrary_text_in_a_package(body in "\\PC{0,200}") {
        for verb in ["import", "export"] {
            generate(&format!("package fuzz:pkg;\n\ninterface i {{\n{body}\n}}\n\nworld fuzz {{ {verb} i; }}\n"));
        }
        generate(&format!("package fuzz:pkg;\n\n{body}\n\nworld fuzz {{ }}\n"));
    }
}
