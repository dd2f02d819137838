"""An import-linter contract type the built-in ones lack: no import cycle between
modules, anywhere in the root packages (`lint-imports` in `make lint`).

`acyclic_siblings` finds cycles between the children of one package; a cycle that
runs through two root packages (tenants → tradepost.accounts → tenants) is between no
siblings at all. This one looks at every module: an import `a → b` is part of a cycle
when `b` leads back to `a`. Like every contract, it counts imports inside functions.
Used only by the linter (import-linter is a dev dependency); nothing imports it.
"""

from __future__ import annotations

from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    def check(self, graph, verbose: bool) -> ContractCheck:
        cycles: list[list[str]] = []
        seen: set[frozenset[str]] = set()
        for importer in sorted(graph.modules):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported == importer or not graph.chain_exists(imported, importer):
                    continue
                back = graph.find_shortest_chain(imported, importer) or ()
                cycle = [importer, *back]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cycle)
        return ContractCheck(kept=not cycles, warnings=[], metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join(cycle), bold=False)
            output.new_line()
