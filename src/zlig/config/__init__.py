"""What the project asks for: ``[tool.zlig]``, its extensions, the build-wide
options from pyproject.toml, the environment and config settings, all turned
into frozen ``Settings`` (settings.py); what flit-core finds (project.py);
and the vocabulary the options name (targets, manylinux floors).

Floor 6 of 7. May import runtime only.
"""
