"""The PodDisruptionBudgets preemption reads: the current :class:`~kbench.api.policy.PDBView` of
each PDB, from an informer's cache or straight from the API server."""

from __future__ import annotations

from kbench.api.policy import PDBView, PodDisruptionBudget, pdb_view
from kbench.sim.apiserver import APIServer
from kbench.sim.informers import Informer


def pdb_views(source: Informer | APIServer) -> list[PDBView]:
    """The views of every PodDisruptionBudget ``source`` holds (a PodDisruptionBudget informer, or
    the API server), in key order (namespace, then name)."""
    objs = source.list("PodDisruptionBudget")[0] if isinstance(source, APIServer) else source.list()
    return [pdb_view(p) for p in objs if isinstance(p, PodDisruptionBudget)]
