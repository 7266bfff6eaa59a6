"""What ``python -m zlig`` does besides the PEP 517 hooks: ``inspect`` (manifest),
``wheels`` (matrix) and ``build --inplace`` / ``clean`` (inplace).

Floor 2 of 7. May import archives, builder, platforms, config and runtime;
never the face (``zlig``, ``zlig.buildapi``, ``zlig.__main__``).
"""
