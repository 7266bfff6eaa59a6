"""What zlig knows of the systems it builds for: targets and wheel tags, the
audits of built files (manylinux, musllinux, PE, Mach-O), the undefined-symbol
check, and the Windows and macOS specifics, with their data files.

Floor 5 of 7. May import config and runtime; never builder, archives, commands
or the face: a built file reaches the audits as a ``Built`` (audit.py), Zig's
folder as an argument.
"""
