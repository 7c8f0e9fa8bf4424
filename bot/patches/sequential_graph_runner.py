"""Prediction graphs: run in a precomputed order, without dask's scheduler.

Rasa runs the 10-20 nodes of each prediction through ``dask.get``, which plans
the graph again on every call: about a sixth of the graph's time here, on a
path that runs three times per turn. Dask's local scheduler is single-threaded
anyway, so a precomputed order does the same work. The nodes, the inputs they
receive and the results are Rasa's. The processor loads every model (``rasa
run``, ``rasa shell``, ``rasa test``) with the runner it finds in its module:
this one once installed. Training is not concerned (Rasa's trainer has its own).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

RASA_VERSIONS = "==3.6.21"


class SequentialGraphRunner(DaskGraphRunner):
    """Runs the prediction graph's nodes one after the other, in a dependency order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], List[Tuple[Text, Tuple[Text, ...]]]] = {}

    def _plan(self, targets: Tuple[Text, ...]) -> List[Tuple[Text, Tuple[Text, ...]]]:
        """(node, names of the nodes it needs) for the targets' nodes, each after what it needs."""
        plan = self._plans.get(targets)
        if plan is None:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            plan, placed = [], set()

            def place(name: Text) -> None:
                if name in placed or name not in nodes:
                    return
                placed.add(name)
                needs = tuple(nodes[name].needs.values())
                for needed in needs:
                    place(needed)
                plan.append((name, needs))

            for target in targets:
                place(target)
            self._plans[targets] = plan
        return plan

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        # As with dask, an input is a (name, value) pair; a missing one is passed as its name.
        results: Dict[Text, Any] = {name: (name, value) for name, value in (inputs or {}).items()}
        for name, needs in self._plan(run_targets):
            if name in results:  # given as an input: dask, too, uses the input instead of the node
                continue
            try:
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
            except RuntimeError as error:
                raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)


def install() -> None:
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner


def uninstall() -> None:
    rasa.core.processor.DaskGraphRunner = DaskGraphRunner


def is_installed() -> bool:
    return rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
