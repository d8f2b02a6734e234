"""Shared by the example scripts: where pictures go (a temporary folder, kept on request)."""

import os
import tempfile
from pathlib import Path


def picture_folder() -> Path:
    """``$PELLUCID_EXAMPLES_OUT`` if set (to look at the pictures), else a fresh temp folder."""
    chosen = os.environ.get("PELLUCID_EXAMPLES_OUT")
    folder = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="pellucid-example-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
