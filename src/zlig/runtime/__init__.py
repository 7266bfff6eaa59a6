"""The ground floor, standard library only: zlig's errors, its cache and
version, and the modules an editable wheel carries copies of (the loader
that rebuilds on import, the hooks' context, compiler diagnostics, Cython's
runner and the precompiled-header scan).

Floor 7 of 7. Imports nothing of zlig's outside this package, nor anything
outside the standard library (an editable install runs without zlig).
"""
