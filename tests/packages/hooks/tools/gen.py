"""The build hooks of hooked (see [tool.zlig.hooks] in pyproject.toml)."""

SIZE = 16


def tables_source():
    values = ", ".join(str(i * i) for i in range(SIZE))
    return (
        '#include "hooked_table.h"\n\n'
        "#ifndef HOOKED_OFFSET\n#define HOOKED_OFFSET 0\n#endif\n\n"
        "const long hooked_offset = HOOKED_OFFSET;\n"
        f"const long hooked_squares[HOOKED_TABLE_SIZE] = {{{values}}};\n"
    )


def generate(context):
    """before-build: the version header (only _core.c includes it), the table's
    header, and the table (from the sdist's copy if there is one)."""
    context.write("hooked_version.h", f'#define HOOKED_VERSION "{context.version}"\n')
    context.write("hooked_table.h", f"#define HOOKED_TABLE_SIZE {SIZE}\n")
    shipped = context.root / "generated" / "tables.c"
    context.write("tables.c", shipped.read_text() if shipped.is_file() else tables_source())


def add_build_info(context):
    """after-build: a data file in the wheel naming what was built."""
    built = ", ".join(
        f"{name} ({path.stat().st_size > 0})" for name, path in sorted(context.built.items())
    )
    text = f"{context.name} {context.version} {context.stage} {context.tag}: {built}\n"
    context.add_to_wheel(context.write("build-info.txt", text), "hooked/build-info.txt")


def ship_tables(context):
    """before-sdist: the generated table goes into the sdist (builds from it need no generator)."""
    context.add_to_sdist(context.write("tables.c", tables_source()), "generated/tables.c")
