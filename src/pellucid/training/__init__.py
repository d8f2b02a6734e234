"""Training: compile/fit/evaluate/predict around one jitted step.

Submodules load on first use, so that ``pellucid.training.progbar`` (used by callbacks)
does not pull in the trainer and everything it depends on.
"""

from typing import Any

__all__ = ["Trainer", "predict", "predict_on_batch"]


def __getattr__(name: str) -> Any:
    if name == "Trainer":
        from pellucid.training.trainer import Trainer

        return Trainer
    if name in ("predict", "predict_on_batch"):
        import pellucid.training.inference as predict_module

        return getattr(predict_module, name)
    raise AttributeError(name)
