"""import-linter contracts of zlig's own (pyproject.toml, ``[tool.importlinter]``).

- ``standard_library_only``: the listed packages import nothing but the
  standard library and themselves. import-linter's own ``forbidden`` contract
  names what may not be imported; this one names what may, so a new
  dependency anywhere in zlig cannot slip into the editable runtime unlisted.
- ``acyclic``: no import cycle among the modules of a package, whichever
  sub-packages they are in (import-linter's ``acyclic_siblings`` compares
  sibling packages). Counted on grimp's graph, type-checking imports included.
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


class Acyclic(Contract):
    type_name = "acyclic"

    package = fields.ModuleField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        package = self.package.name  # type: ignore[attr-defined]
        modules = {package, *graph.find_descendants(package)}
        cycles = [" -> ".join(cycle) for cycle in _cycles(modules, graph)]
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["cycles"]:
            output.print_error(f"a cycle: {line}", bold=False)
            output.new_line()


def _cycles(modules: set[str], graph: ImportGraph) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan's
    algorithm finds the groups), as the modules in import order, the first
    again at the end."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def imports(module: str) -> list[str]:
        return sorted(graph.find_modules_directly_imported_by(module) & modules)

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in imports(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(modules):
        if module not in index:
            visit(module)
    cycles = []
    for group in groups:
        # Walk from the group's first module, always to a module of the group,
        # until one comes round again.
        path = [min(group)]
        while path.count(path[-1]) < 2:
            path.append(next(m for m in imports(path[-1]) if m in group))
        cycles.append(path[path.index(path[-1]) :])
    return cycles
