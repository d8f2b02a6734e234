"""Parts of Keras 3's saving that pellucid does not implement, refused by name.

Each raises ``NotImplementedError`` saying what is missing and what to do instead, rather
than failing later on a file or member that is not there.
"""

from __future__ import annotations


def refuse_unbuilt(path: str, weights_format: str = "h5") -> None:
    """Keras 3 features of the format that pellucid does not implement, named."""
    if path.startswith("hf://"):
        raise NotImplementedError(
            f"{path!r}: Hugging Face Hub paths (hf://) are not implemented in pellucid; "
            "download the repository's .keras file (or folder) and pass its local path.")
    if weights_format != "h5":
        raise NotImplementedError(
            f"weights_format={weights_format!r} is not implemented in pellucid; it writes "
            "and reads model.weights.h5 (weights_format='h5', Keras's default).")


def refuse_unbuilt_members(path: str, names: list[str]) -> None:
    """An archive from Keras with npz weights or saved assets (e.g. a TextVectorization
    vocabulary): neither is implemented, so say so rather than fail on what is missing."""
    if "model.weights.npz" in names:
        raise NotImplementedError(
            f"{path!r} stores its weights as model.weights.npz (Keras's "
            "weights_format='npz'), which pellucid does not read; re-save it in Keras with "
            "the default weights_format='h5'.")
    assets = [n for n in names if n.startswith("assets/") and not n.endswith("/")]
    if assets:
        raise NotImplementedError(
            f"{path!r} holds saved assets ({assets[:3]}), which pellucid does not load "
            "(no pellucid layer has assets).")
