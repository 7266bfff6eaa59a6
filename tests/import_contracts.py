"""An import-linter contract of zlig's own (pyproject.toml, ``[tool.importlinter]``).

``standard_library_only``: the listed packages import nothing but the standard
library and themselves. import-linter's own ``forbidden`` contract names what
may not be imported; this one names what may, so a new dependency anywhere in
zlig cannot slip into the editable runtime unlisted.
"""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class StandardLibraryOnly(Contract):
    type_name = "standard_library_only"

    source_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        broken = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            package = source.name
            for module in sorted({package, *graph.find_descendants(package)}):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    if imported == package or imported.startswith(package + "."):
                        continue
                    if imported.split(".")[0] in sys.stdlib_module_names:
                        continue
                    details = graph.get_import_details(importer=module, imported=imported)
                    lines = ", ".join(f"l.{d['line_number']}" for d in details)
                    broken.append(f"{module} imports {imported} ({lines})")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(line, bold=False)
            output.new_line()
