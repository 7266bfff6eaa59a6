//! zlig's build script. It is the same file for every project and every build:
//! what to compile comes from the JSON plan named by -Dplan (written by
//! zlig/plan.py), so Zig compiles this script once and reuses the compiled
//! build runner from its global cache.
const std = @import("std");

const CSource = struct {
    path: []const u8,
    flags: []const []const u8,
};

const Extension = struct {
    /// Dotted module name, used as the artifact name.
    name: []const u8,
    /// An empty C file whose text changes with the extension's inputs;
    /// compiled in every step of the extension so that Zig re-checks every
    /// object when any input changed (see zlig/editable_loader.py).
    stamp: CSource,
    /// Install path of the built file below --prefix.
    output: []const u8,
    optimize: std.builtin.OptimizeMode,
    strip: bool,
    /// A .zig file that is the module's root (it exports PyInit_<name>), or null.
    root_source: ?[]const u8,
    /// C and C++ sources (absolute paths), each with its compiler flags,
    /// compiled in the library's own step.
    c_sources: []const CSource,
    /// More C and C++ sources, in groups: each group is compiled into an
    /// object file by a step of its own, so that Zig runs groups in parallel
    /// (one step compiles its files one after another).
    parts: []const []const CSource,
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
};

const Plan = struct {
    target: []const u8,
    cpu: []const u8,
    extensions: []const Extension,
};

pub fn build(b: *std.Build) !void {
    const plan_path = b.option([]const u8, "plan", "path to zlig's build plan (JSON)") orelse
        return error.MissingPlan;
    const text = try std.Io.Dir.cwd().readFileAlloc(b.graph.io, plan_path, b.allocator, .limited(64 << 20));
    const plan = try std.json.parseFromSliceLeaky(Plan, b.allocator, text, .{});

    const target = b.resolveTargetQuery(try std.Target.Query.parse(.{
        .arch_os_abi = plan.target,
        .cpu_features = plan.cpu,
    }));

    for (plan.extensions) |ext| {
        const module = extensionModule(b, ext, target, ext.root_source);
        for (ext.c_sources) |source| {
            module.addCSourceFile(.{ .file = .{ .cwd_relative = source.path }, .flags = source.flags });
        }
        for (ext.parts, 0..) |sources, i| {
            const part = extensionModule(b, ext, target, null);
            for (sources) |source| {
                part.addCSourceFile(.{ .file = .{ .cwd_relative = source.path }, .flags = source.flags });
            }
            const name = b.fmt("{s}.part{d}", .{ ext.name, i });
            module.addObject(b.addObject(.{ .name = name, .root_module = part }));
        }
        for (ext.library_dirs) |dir| module.addLibraryPath(.{ .cwd_relative = dir });
        for (ext.libraries) |name| module.linkSystemLibrary(name, .{});
        for (ext.rpaths) |dir| module.addRPathSpecial(dir);
        for (ext.objects) |path| module.addObjectFile(.{ .cwd_relative = path });
        const lib = b.addLibrary(.{ .linkage = .dynamic, .name = ext.name, .root_module = module });
        // An extension resolves the interpreter's symbols when it is loaded.
        lib.linker_allow_shlib_undefined = true;
        const install = b.addInstallFileWithDir(lib.getEmittedBin(), .prefix, ext.output);
        b.getInstallStep().dependOn(&install.step);
    }
}

/// A module with the extension's compile settings and the stamp file. Every
/// step gets the stamp: Zig 0.16 can miss a header change in a step whose
/// own inputs did not change, and the stamp changes with every input.
fn extensionModule(
    b: *std.Build,
    ext: Extension,
    target: std.Build.ResolvedTarget,
    root_source: ?[]const u8,
) *std.Build.Module {
    const module = b.createModule(.{
        .root_source_file = if (root_source) |root| .{ .cwd_relative = root } else null,
        .target = target,
        .optimize = ext.optimize,
        .link_libc = true,
        .link_libcpp = if (ext.link_libcpp) true else null,
        .strip = ext.strip,
    });
    for (ext.python_include_dirs) |dir| module.addSystemIncludePath(.{ .cwd_relative = dir });
    for (ext.include_dirs) |dir| module.addIncludePath(.{ .cwd_relative = dir });
    for (ext.macros) |macro| module.addCMacro(macro[0], macro[1]);
    module.addCSourceFile(.{ .file = .{ .cwd_relative = ext.stamp.path }, .flags = ext.stamp.flags });
    return module;
}
