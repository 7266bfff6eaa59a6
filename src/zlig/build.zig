//! zlig's build script. It is the same file for every project and every build:
//! what to compile comes from the JSON plan named by -Dplan, so Zig compiles
//! this script once and reuses the compiled build runner from its global cache.
const std = @import("std");

const Extension = struct {
    /// Dotted module name, used as the artifact name.
    name: []const u8,
    /// Install path of the built file below --prefix.
    output: []const u8,
    /// Absolute paths of C and C++ sources.
    sources: []const []const u8,
    include_dirs: []const []const u8,
    /// Libraries to link by name, and the folders to find them in.
    libraries: []const []const u8,
    library_dirs: []const []const u8,
    /// Folders holding Python.h and pyconfig.h.
    python_include_dirs: []const []const u8,
    /// Compiler flags (-D macros, language flags).
    flags: []const []const u8,
    link_libcpp: bool,
};

const Plan = struct {
    target: []const u8,
    cpu: []const u8,
    optimize: std.builtin.OptimizeMode,
    strip: bool,
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
        const module = b.createModule(.{
            .target = target,
            .optimize = plan.optimize,
            .link_libc = true,
            .link_libcpp = if (ext.link_libcpp) true else null,
            .strip = plan.strip,
        });
        for (ext.python_include_dirs) |dir| module.addSystemIncludePath(.{ .cwd_relative = dir });
        for (ext.include_dirs) |dir| module.addIncludePath(.{ .cwd_relative = dir });
        for (ext.library_dirs) |dir| module.addLibraryPath(.{ .cwd_relative = dir });
        for (ext.libraries) |name| module.linkSystemLibrary(name, .{});
        for (ext.sources) |source| {
            module.addCSourceFile(.{ .file = .{ .cwd_relative = source }, .flags = ext.flags });
        }
        const lib = b.addLibrary(.{ .linkage = .dynamic, .name = ext.name, .root_module = module });
        // An extension resolves the interpreter's symbols when it is loaded.
        lib.linker_allow_shlib_undefined = true;
        const install = b.addInstallFileWithDir(lib.getEmittedBin(), .prefix, ext.output);
        b.getInstallStep().dependOn(&install.step);
    }
}
