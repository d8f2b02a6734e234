"""Callbacks: objects whose hooks `fit`, `evaluate` and `predict` call as they run.

The Keras 3 callbacks, with Keras's arguments, defaults, decisions and printed text.
"""

from pellucid.callbacks.backup_and_restore import BackupAndRestore
from pellucid.callbacks.callback import Callback
from pellucid.callbacks.callback_list import CallbackList
from pellucid.callbacks.csv_logger import CSVLogger
from pellucid.callbacks.early_stopping import EarlyStopping
from pellucid.callbacks.history import History
from pellucid.callbacks.lambda_callback import LambdaCallback
from pellucid.callbacks.lr_scheduler import LearningRateScheduler
from pellucid.callbacks.model_checkpoint import ModelCheckpoint
from pellucid.callbacks.monitor import MonitorCallback
from pellucid.callbacks.progbar_logger import ProgbarLogger
from pellucid.callbacks.reduce_lr import ReduceLROnPlateau
from pellucid.callbacks.terminate_on_nan import TerminateOnNaN
from pellucid.callbacks.unsupported import RemoteMonitor, TensorBoard

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "TensorBoard",
    "TerminateOnNaN",
]
