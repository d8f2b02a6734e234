"""`TerminateOnNaN`: stop training when the loss becomes NaN or infinite."""

from __future__ import annotations

import numpy as np

from pellucid.callbacks.callback import Callback, Logs
from pellucid.callbacks.messages import print_msg


class TerminateOnNaN(Callback):
    """Checks `logs["loss"]` after every training batch.

    Args:
        raise_error: False sets `model.stop_training` (so `on_train_end` still runs
            everywhere); True raises `RuntimeError` at once.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. "
                f"Loss value: {loss}. Terminating training immediately."
            )
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
