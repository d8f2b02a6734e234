"""The cases as idiomatic PyTorch: an ``nn.Module``, a ``torch.optim`` optimizer, a loop.

Hyperparameters follow Keras's defaults (learning rate 1e-3, epsilon 1e-7, RMSprop's
rho 0.9) so both sides do the same arithmetic. Softmax/sigmoid outputs are folded into
the loss, as PyTorch code is usually written. Masked sequences use
``pack_padded_sequence``, PyTorch's way to skip padding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from bench.cases import Case


class Mlp(nn.Module):
    """784 -> 512 (relu) -> 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class GruSeq2Seq(nn.Module):
    """(batch, 64, 15) -> GRU(16) every step -> Linear(15) logits per step."""

    def __init__(self) -> None:
        super().__init__()
        self.gru = nn.GRU(15, 16, batch_first=True)
        self.out = nn.Linear(16, 15)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.gru(x)[0])


class LstmEvents(nn.Module):
    """Token ids (batch, 50) -> Embedding(32) -> LSTM(32) -> main and auxiliary logits."""

    def __init__(self, mask: bool) -> None:
        super().__init__()
        self.mask = mask
        self.embed = nn.Embedding(100, 32)
        self.lstm = nn.LSTM(32, 32, batch_first=True)
        self.hidden = nn.Linear(32, 64)
        self.main = nn.Linear(64, 1)
        self.aux = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedded = self.embed(x)
        if self.mask:
            lengths = (x != 0).sum(dim=1).clamp(min=1).cpu()
            packed = pack_padded_sequence(embedded, lengths, batch_first=True,
                                          enforce_sorted=False)
            state = self.lstm(packed)[1][0][-1]
        else:
            state = self.lstm(embedded)[1][0][-1]
        return self.main(torch.relu(self.hidden(state))), self.aux(state)


class CnnMlp(nn.Module):
    """(batch, 1, 28, 28) -> conv 32 -> conv 64 stride 2 -> 512 -> dropout -> 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),
            nn.Flatten(), nn.Linear(64 * 12 * 12, 512), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(512, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class LstmLarge(nn.Module):
    """(batch, 100, 64) -> LSTM(256) last state -> Linear(1)."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(64, 256, batch_first=True)
        self.out = nn.Linear(256, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.lstm(x)[1][0][-1])


def build(case: Case) -> tuple[nn.Module, Any]:
    """``(module, loss_fn(outputs, targets))`` for ``case``."""
    if case.key == "B0":
        return Mlp(), nn.CrossEntropyLoss()
    if case.key == "B1":
        ce = nn.CrossEntropyLoss()
        return GruSeq2Seq(), lambda out, y: ce(out.reshape(-1, 15), y.reshape(-1, 15))
    if case.key in ("B2", "B2n"):
        bce = nn.BCEWithLogitsLoss()
        return LstmEvents(case.mask), lambda out, y: bce(out[0], y[0]) + 0.2 * bce(out[1], y[1])
    if case.key == "B3":
        return CnnMlp(), nn.CrossEntropyLoss()
    if case.key == "B4":
        return LstmLarge(), nn.MSELoss()
    raise KeyError(case.key)


def optimizer(case: Case, params: Any) -> torch.optim.Optimizer:
    """Keras's default settings for the case's optimizer."""
    if case.optimizer == "adam":
        return torch.optim.Adam(params, lr=1e-3, eps=1e-7)
    return torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7)


def device() -> torch.device:
    """The GPU when CUDA has one, else the CPU.

    On a GPU, float32 matmuls use TF32 as JAX's default precision does there, so both
    sides do the same arithmetic (cuDNN convolutions already do by default).
    """
    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")
        return torch.device("cuda")
    return torch.device("cpu")


def tensors(case: Case, x: Any, y: Any, on: torch.device | None = None
            ) -> tuple[torch.Tensor, Any]:
    """The NumPy data as tensors in PyTorch's layout (channels first, int64 labels)."""
    on = on or torch.device("cpu")
    if case.key == "B3":
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    tx = torch.from_numpy(x.astype(np.int64) if x.dtype == np.int32 else x).to(on)
    if isinstance(y, list):
        return tx, [torch.from_numpy(a).to(on) for a in y]
    if case.key in ("B0", "B3"):
        return tx, torch.from_numpy(y.astype(np.int64)).to(on)
    return tx, torch.from_numpy(y).to(on)
