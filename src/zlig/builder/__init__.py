"""Compiling: the plan for the fixed ``build.zig``, running Zig, reusing what
an earlier build made, Cython's translations and the project's build hooks.
(Not named ``build``: ignore files and tools take a ``build/`` folder for
output, and zlig's own sdist leaves out every ``build/``.)

Floor 4 of 7. May import platforms (targets, tags, audits), config and
runtime; never archives, commands or the face.
"""
