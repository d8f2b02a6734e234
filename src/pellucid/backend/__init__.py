"""The one place that knows JAX's machinery: variables, state scopes, random keys."""

from pellucid.backend.context import (
    fused_kernels_allowed,
    loops_only,
    training_flag,
    training_mode,
)
from pellucid.backend.device import host_zeros
from pellucid.backend.dispatch import run_cpu_programs_inline
from pellucid.backend.naming import clear_session, reset_names, to_snake_case, unique_name
from pellucid.backend.path_scope import current_path, join_path, path_scope
from pellucid.backend.random import (
    RandomScope,
    SeedGenerator,
    draw_key,
    global_seed_key,
    set_random_seed,
)
from pellucid.backend.variables import (
    StateScope,
    Variable,
    assign_all,
    current_scope,
    structure_changed,
    structure_version,
    unwrap,
)

run_cpu_programs_inline()  # before JAX starts its CPU client: see backend.dispatch

__all__ = [
    "RandomScope", "SeedGenerator", "StateScope", "Variable", "assign_all", "clear_session",
    "current_path",
    "current_scope",
    "draw_key", "fused_kernels_allowed", "global_seed_key", "host_zeros", "join_path",
    "loops_only",
    "path_scope", "reset_names", "set_random_seed", "structure_changed", "structure_version",
    "to_snake_case", "training_flag", "training_mode", "unique_name", "unwrap",
]


def floatx() -> str:
    return "float32"


def epsilon() -> float:
    return 1e-7
