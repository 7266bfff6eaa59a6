//! zlig's build script. It is the same file for every project and every build:
//! what to compile comes from the JSON plan named by -Dplan (written by
//! zlig/plan.py), so Zig compiles this script once and reuses the compiled
//! build runner from its global cache.
const std = @import("std");

const CSource = struct {
    path: []const u8,
    flags: []const []const u8,
    /// The precompiled Python.h it is compiled with: an index into
    /// Plan.precompiled, or null.
    pch: ?usize = null,
};

/// A precompiled Python.h (see zlig/pch.py), made by `zig cc`.
const Precompiled = struct {
    /// `zig` arguments that make it, but the input and the output.
    args: []const []const u8,
    /// The header's text: some `#define`s, then `#include <Python.h>`.
    header: []const u8,
    /// Where it is put, below the build folder.
    output: []const u8,
    /// The flags of a source compiled with it.
    use: []const []const u8,
};

const Extension = struct {
    /// Dotted module name, used as the artifact name.
    name: []const u8,
    /// An empty C file whose text changes with the inputs of the library's
    /// own step, so that Zig re-checks its objects when one of them changed
    /// (see zlig/editable_loader.py); each part has its own.
    stamp: CSource,
    /// Install path of the built file below --prefix.
    output: []const u8,
    optimize: std.builtin.OptimizeMode,
    strip: bool,
    /// Whether optimised code may use the frame pointer's register as any other
    /// (see zlig/plan.py, omits_frame_pointer).
    omit_frame_pointer: bool,
    /// A .zig file that is the module's root (it exports PyInit_<name>), or null.
    root_source: ?[]const u8,
    /// C and C++ sources (absolute paths), each with its compiler flags,
    /// compiled in the library's own step.
    c_sources: []const CSource,
    /// More C and C++ sources, in groups: each group is compiled into an
    /// object file by a step of its own, so that Zig runs groups in parallel
    /// (one step compiles its files one after another).
    parts: []const Part,
    /// Sources compiled for a CPU with more features (from flags such as
    /// -mavx2: Zig gives clang the CPU's features after any flag), each
    /// group in a step of its own.
    cpu_parts: []const CpuPart,
    /// -D macros, for C sources and a Zig root's @cImport alike.
    macros: []const [2][]const u8,
    include_dirs: []const []const u8,
    /// Folders holding Python.h and pyconfig.h.
    python_include_dirs: []const []const u8,
    /// Libraries to link by name, and the folders to find them in.
    libraries: []const []const u8,
    library_dirs: []const []const u8,
    rpaths: []const []const u8,
    /// Object files and archives linked as they are.
    objects: []const []const u8,
    link_libcpp: bool,
    /// The Mach-O install name (macOS), or null.
    install_name: ?[]const u8 = null,
};

const Part = struct {
    /// The stamp of this step's own inputs.
    stamp: CSource,
    sources: []const CSource,
};

const CpuPart = struct {
    /// Plan.cpu with the features added, e.g. "baseline+evex512+crc32+avx2".
    cpu: []const u8,
    stamp: CSource,
    sources: []const CSource,
};

const Plan = struct {
    target: []const u8,
    cpu: []const u8,
    /// zlig's builder/cpu_features.c (what __builtin_cpu_supports reads), or null.
    runtime: ?[]const u8 = null,
    /// libc++abi's default handlers without the demangler (see zlig/plan.py,
    /// _cxx_handlers), linked into every C++ extension, or null.
    cxx_handlers: ?CSource = null,
    extensions: []const Extension,
    precompiled: []const Precompiled,
    /// Link with undefined symbols allowed: on ELF and Mach-O targets the
    /// interpreter provides the C API when it loads the extension; a Windows
    /// DLL links against the Python DLL's import library, and an undefined
    /// symbol there must fail the link (lld-link would only warn).
    allow_undefined: bool = true,
};

pub fn build(b: *std.Build) !void {
    const plan_path = b.option([]const u8, "plan", "path to zlig's build plan (JSON)") orelse
        return error.MissingPlan;
    const text = try std.Io.Dir.cwd().readFileAlloc(b.graph.io, plan_path, b.allocator, .limited(64 << 20));
    const plan = try std.json.parseFromSliceLeaky(Plan, b.allocator, text, .{});

    const target = try resolveTarget(b, plan.target, plan.cpu);

    // -Dpch=false: an editable install's loader rebuilds with this plan
    // after an edit that made a source unfit for its precompiled header.
    const use_pch = b.option(bool, "pch", "use precompiled Python.h headers") orelse true;
    const pch_steps = try b.allocator.alloc(*std.Build.Step, if (use_pch) plan.precompiled.len else 0);
    for (pch_steps, 0..) |*step, i| step.* = precompile(b, plan.precompiled[i]);

    // A static library: the linker takes its object only into extensions
    // that refer to its symbols.
    const runtime: ?*std.Build.Step.Compile = if (plan.runtime) |path| b.addLibrary(.{
        .linkage = .static,
        .name = "zlig_cpu",
        .root_module = runtimeModule(b, target, .{ .path = path, .flags = &.{} }, false),
    }) else null;

    // An object, not a library: linked whole, it defines the handlers before
    // the linker looks in libc++abi's archive.
    const cxx_handlers: ?*std.Build.Step.Compile = if (plan.cxx_handlers) |source| b.addObject(.{
        .name = "zlig_cxx_handlers",
        .root_module = runtimeModule(b, target, source, true),
    }) else null;

    for (plan.extensions) |ext| {
        const module = extensionModule(b, ext, target, ext.root_source, ext.stamp);
        if (ext.link_libcpp) if (cxx_handlers) |obj| module.addObject(obj);
        const lib_pchs = try addSources(b, module, ext.c_sources, plan, use_pch);
        for (ext.parts, 0..) |part_plan, i| {
            const part = extensionModule(b, ext, target, null, part_plan.stamp);
            const part_pchs = try addSources(b, part, part_plan.sources, plan, use_pch);
            const name = b.fmt("{s}.part{d}", .{ ext.name, i });
            const obj = b.addObject(.{ .name = name, .root_module = part });
            for (part_pchs) |pch| obj.step.dependOn(pch_steps[pch]);
            module.addObject(obj);
        }
        for (ext.cpu_parts, 0..) |part, i| {
            const part_target = try resolveTarget(b, plan.target, part.cpu);
            const module_cpu = extensionModule(b, ext, part_target, null, part.stamp);
            _ = try addSources(b, module_cpu, part.sources, plan, false);
            const name = b.fmt("{s}.cpu{d}", .{ ext.name, i });
            module.addObject(b.addObject(.{ .name = name, .root_module = module_cpu }));
        }
        if (runtime) |lib| module.linkLibrary(lib);
        for (ext.library_dirs) |dir| module.addLibraryPath(.{ .cwd_relative = dir });
        for (ext.libraries) |name| module.linkSystemLibrary(name, .{});
        for (ext.rpaths) |dir| module.addRPathSpecial(dir);
        for (ext.objects) |path| module.addObjectFile(.{ .cwd_relative = path });
        const lib = b.addLibrary(.{ .linkage = .dynamic, .name = ext.name, .root_module = module });
        // An extension resolves the interpreter's symbols when it is loaded.
        lib.linker_allow_shlib_undefined = plan.allow_undefined;
        lib.install_name = ext.install_name;
        for (lib_pchs) |pch| lib.step.dependOn(pch_steps[pch]);
        const install = b.addInstallFileWithDir(lib.getEmittedBin(), .prefix, ext.output);
        b.getInstallStep().dependOn(&install.step);
    }
}

/// A module of zlig's own code, optimised and stripped whatever the
/// extensions' settings.
fn runtimeModule(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    source: CSource,
    link_libcpp: bool,
) *std.Build.Module {
    const module = b.createModule(.{
        .target = target,
        .optimize = .ReleaseFast,
        .link_libc = true,
        .link_libcpp = if (link_libcpp) true else null,
        .pic = true,
        .strip = true,
    });
    module.addCSourceFile(.{ .file = .{ .cwd_relative = source.path }, .flags = source.flags });
    return module;
}

fn resolveTarget(b: *std.Build, triple: []const u8, cpu: []const u8) !std.Build.ResolvedTarget {
    return b.resolveTargetQuery(try std.Target.Query.parse(.{
        .arch_os_abi = triple,
        .cpu_features = cpu,
    }));
}

/// A module with the extension's compile settings and a step's stamp file.
/// Every step gets one: Zig 0.16 can miss a header change in a step whose
/// own inputs did not change, and the stamp changes with the step's inputs.
fn extensionModule(
    b: *std.Build,
    ext: Extension,
    target: std.Build.ResolvedTarget,
    root_source: ?[]const u8,
    stamp: CSource,
) *std.Build.Module {
    const module = b.createModule(.{
        .root_source_file = if (root_source) |root| .{ .cwd_relative = root } else null,
        .target = target,
        .optimize = ext.optimize,
        .link_libc = true,
        .link_libcpp = if (ext.link_libcpp) true else null,
        .strip = ext.strip,
        .omit_frame_pointer = ext.omit_frame_pointer,
    });
    for (ext.python_include_dirs) |dir| module.addSystemIncludePath(.{ .cwd_relative = dir });
    for (ext.include_dirs) |dir| module.addIncludePath(.{ .cwd_relative = dir });
    for (ext.macros) |macro| module.addCMacro(macro[0], macro[1]);
    module.addCSourceFile(.{ .file = .{ .cwd_relative = stamp.path }, .flags = stamp.flags });
    return module;
}

/// Adds the sources to the module; gives the precompiled headers they use.
fn addSources(
    b: *std.Build,
    module: *std.Build.Module,
    sources: []const CSource,
    plan: Plan,
    use_pch: bool,
) ![]const usize {
    var used: std.ArrayList(usize) = .empty;
    for (sources) |source| {
        var flags = source.flags;
        if (source.pch) |pch| if (use_pch) {
            flags = try std.mem.concat(b.allocator, []const u8, &.{ flags, plan.precompiled[pch].use });
            if (std.mem.indexOfScalar(usize, used.items, pch) == null) try used.append(b.allocator, pch);
        };
        module.addCSourceFile(.{ .file = .{ .cwd_relative = source.path }, .flags = flags });
    }
    return used.items;
}

/// The steps making a precompiled header and putting it where its users'
/// flags name it. `zig cc` runs only when the header's text, the arguments
/// or a header it includes changed (the Run step's cache, with clang's
/// dependency file); the copy is skipped when it is up to date.
fn precompile(b: *std.Build, pch: Precompiled) *std.Build.Step {
    const header = b.addWriteFiles().add("zlig-pch.h", pch.header);
    const run = b.addSystemCommand(&.{b.graph.zig_exe});
    run.addArgs(pch.args);
    run.addFileArg(header);
    run.addArg("-o");
    const made = run.addOutputFileArg("zlig-pch.pch");
    run.addArg("-MD");
    _ = run.addPrefixedDepFileOutputArg("-MF", "zlig-pch.d");
    const copy = b.addUpdateSourceFiles();
    copy.addCopyFileToSource(made, pch.output);
    return &copy.step;
}
