"""The formula each layer computes, in the layer's own words, looked up by class name.

A class not on file (a user-written layer) gets a plain statement that its ``call`` is the
formula; the measured dependency map still describes it. A subclass that keeps its
parent's ``call`` inherits the parent's text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _name(fn: Any) -> str:
    name = getattr(fn, "__name__", None) or str(fn)
    return "linear" if name in ("linear", "identity", "None") else name


def _act(layer: Any, attr: str = "activation") -> str:
    return _name(getattr(layer, attr, None))


def units(layer: Any) -> int:
    """A recurrent layer's ``units`` (held by the layer or by its cell)."""
    found = getattr(layer, "units", None)
    return int(found if found is not None else layer.cell.units)


def _wrap(act: str, inner: str) -> str:
    return inner if act == "linear" else f"{act}({inner})"


def dense(layer: Any) -> str:
    bias = " + bias" if getattr(layer, "use_bias", True) else ""
    return (f"y = {_wrap(_act(layer), f'x · kernel{bias}')} on the last axis: kernel "
            f"(input_dim, {layer.units}) maps each vector of the last axis to {layer.units} "
            "values; every other axis is treated like the batch axis.")


def lstm(layer: Any) -> str:
    cell = getattr(layer, "cell", layer)
    s, a = _act(cell, "recurrent_activation"), _act(cell, "activation")
    u = units(layer)
    return "\n".join([
        f"for each step t (h and c are vectors of units={u} numbers, zero at the start):",
        f"  i_t = {s}(x_t · W_i + h_(t-1) · U_i + b_i)      input gate",
        f"  f_t = {s}(x_t · W_f + h_(t-1) · U_f + b_f)      forget gate",
        f"  g_t = {a}(x_t · W_c + h_(t-1) · U_c + b_c)      candidate",
        f"  o_t = {s}(x_t · W_o + h_(t-1) · U_o + b_o)      output gate",
        "  c_t = f_t * c_(t-1) + i_t * g_t;   h_t = o_t * " + f"{a}(c_t)",
        f"kernel (d, 4·{u}) = [W_i | W_f | W_c | W_o], recurrent_kernel ({u}, 4·{u}) = "
        f"[U_i | U_f | U_c | U_o], bias (4·{u},). One cell, run once per step; its "
        f"{u} units are the entries of h_t, and they interact through the recurrent kernel.",
        _sequence_note(layer),
    ])


def gru(layer: Any) -> str:
    cell = getattr(layer, "cell", layer)
    s, a = _act(cell, "recurrent_activation"), _act(cell, "activation")
    u = units(layer)
    after = getattr(cell, "reset_after", getattr(layer, "reset_after", True))
    candidate = (f"  n_t = {a}(x_t · W_h + r_t * (h_(t-1) · U_h + b'_h) + b_h)   "
                 "(reset_after=True: reset applied after the recurrent product)"
                 if after else
                 f"  n_t = {a}(x_t · W_h + (r_t * h_(t-1)) · U_h + b_h)   "
                 "(reset_after=False: reset applied before it)")
    bias = f"bias (2, 3·{u}): input and recurrent biases" if after else f"bias (3·{u},)"
    return "\n".join([
        f"for each step t (h is a vector of units={u} numbers, zero at the start):",
        f"  z_t = {s}(x_t · W_z + h_(t-1) · U_z + b_z)      update gate",
        f"  r_t = {s}(x_t · W_r + h_(t-1) · U_r + b_r)      reset gate",
        candidate,
        "  h_t = z_t * h_(t-1) + (1 - z_t) * n_t",
        f"kernel (d, 3·{u}) = [W_z | W_r | W_h], recurrent_kernel ({u}, 3·{u}), {bias}.",
        _sequence_note(layer),
    ])


def simple_rnn(layer: Any) -> str:
    cell = getattr(layer, "cell", layer)
    return "\n".join([
        f"h_t = {_act(cell)}(x_t · kernel + h_(t-1) · recurrent_kernel + bias), "
        f"h a vector of units={units(layer)} numbers, zero at the start.",
        _sequence_note(layer),
    ])


def _sequence_note(layer: Any) -> str:
    seq = getattr(layer, "return_sequences", False)
    back = " The steps are read last to first (go_backwards)." if getattr(
        layer, "go_backwards", False) else ""
    out = "h_t for every step" if seq else "only the last h_t"
    return f"Returns {out} (return_sequences={seq}).{back}"


def conv(layer: Any) -> str:
    act, bias = _act(layer), " + bias[o]" if getattr(layer, "use_bias", True) else ""
    total = f"Σ_(k, c) x[p·stride + k·dilation - pad, c] · kernel[k, c, o]{bias}"
    return (f"y[p, o] = {_wrap(act, total)}: "
            f"kernel_size={getattr(layer, 'kernel_size', '?')}, "
            f"strides={getattr(layer, 'strides', '?')}, "
            f"padding={getattr(layer, 'padding', '?')!r}. The same kernel slides over every "
            "position p; see the windows below for the exact input range each output reads.")


def conv_transpose(layer: Any) -> str:
    return ("y = the transpose (gradient) of a convolution: each input position scatters "
            "kernel-weighted copies into the output, spaced by the stride; "
            f"kernel_size={getattr(layer, 'kernel_size', '?')}, "
            f"strides={getattr(layer, 'strides', '?')}.")


def pooling(kind: str) -> Callable[[Any], str]:
    def text(layer: Any) -> str:
        return (f"y[p, c] = {kind} over the window x[p·stride : p·stride + pool_size, c]; "
                f"pool_size={getattr(layer, 'pool_size', '?')}, "
                f"strides={getattr(layer, 'strides', '?')}, "
                f"padding={getattr(layer, 'padding', '?')!r}. No weights; channels do not mix.")
    return text


def global_pooling(kind: str) -> Callable[[Any], str]:
    return lambda layer: f"y[c] = {kind} of x[..., c] over every position. No weights."


def _fixed(text: str) -> Callable[[Any], str]:
    return lambda layer: text


def dropout(layer: Any) -> str:
    shape = getattr(layer, "noise_shape", None)
    share = ("one draw per entry" if shape is None else
             f"noise_shape={shape}: axes of size 1 share one draw")
    return (f"training: y = x * m / (1 - rate), m ~ Bernoulli(1 - rate={1 - layer.rate:g}), "
            f"{share}; inference: y = x.")


def spatial_dropout(layer: Any) -> str:
    return ("training: y = x * m / (1 - rate) with one Bernoulli draw per (sample, channel), "
            "shared by every position (step / pixel); inference: y = x.")


def time_distributed(layer: Any) -> str:
    inner = type(layer.layer).__name__
    return (f"y[:, t] = {inner}(x[:, t]) for every step t, with the same {inner} weights at "
            "every step.")


def bidirectional(layer: Any) -> str:
    mode = getattr(layer, "merge_mode", "concat")
    return (f"y = {mode}(forward(x), backward(x)): one recurrent layer reads the steps "
            "first to last, a second one (own weights) last to first.")


def embedding(layer: Any) -> str:
    return (f"y[..., :] = embeddings[token]: row lookup in a table of "
            f"({layer.input_dim}, {layer.output_dim}); each token selects one row.")


def batch_norm(layer: Any) -> str:
    return ("y = gamma * (x - mean) / sqrt(variance + epsilon) + beta per channel; training "
            "uses the batch's mean/variance and updates moving_mean/moving_variance, "
            "inference uses the moving ones.")


def layer_norm(layer: Any) -> str:
    return ("y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, mean and variance "
            f"taken over axis {getattr(layer, 'axis', -1)} of each sample separately.")


def attention(layer: Any) -> str:
    return ("scores = query · keyᵀ (times scale if use_scale), w = softmax(scores) over the "
            "value steps, y = w · value: each query step reads a weighted mix of all value "
            "steps.")


def additive_attention(layer: Any) -> str:
    return ("scores[i, j] = Σ scale · tanh(query_i + key_j) (Bahdanau), w = softmax(scores) "
            "over j, y_i = Σ_j w[i, j] · value_j. The softmax is the nonlinearity after the "
            "score layer.")


def multi_head_attention(layer: Any) -> str:
    return ("per head h: Q = query · W_q[h], K = key · W_k[h], V = value · W_v[h]; "
            "A = softmax(Q Kᵀ / sqrt(key_dim)); y = Σ_h (A V) · W_o[h].")


def merge(op: str) -> Callable[[Any], str]:
    return lambda layer: f"y = {op} of the inputs, entry by entry (shapes broadcast). No weights."


FORMULAS: dict[str, Callable[[Any], str]] = {
    "Dense": dense,
    "EinsumDense": _fixed("y = einsum(equation, x, kernel) + bias."),
    "Activation": lambda la: f"y = {_act(la)}(x), entry by entry. No weights.",
    "Identity": _fixed("y = x."),
    "InputLayer": _fixed("the model's input: y = x."),
    "Flatten": _fixed("y = reshape(x, (batch, d1·d2·…)): a relabelling, no arithmetic. A "
                      "Dense after it sees every position at once."),
    "Reshape": lambda la: f"y = reshape(x, (batch,) + {la.target_shape}); no arithmetic.",
    "Permute": lambda la: f"y = transpose(x, (0,) + {la.dims}); no arithmetic.",
    "RepeatVector": lambda la: f"y[:, t] = x for t < {la.n}; no arithmetic.",
    "Rescaling": lambda la: f"y = float32(x) * {la.scale} + {la.offset}, entry by entry "
                            "(per channel when scale or offset is a list). No weights.",
    "CenterCrop": lambda la: (
        f"y[i, j] = x[top + i, left + j] for the central {la.height}×{la.width} window "
        "(a slice, no arithmetic); an image smaller than the window is cropped to its "
        "aspect ratio and resized bilinearly instead."),
    "Resizing": lambda la: (
        f"y[i, j] = Σ w(i, j; p, q) · x[p, q]: each output pixel of the {la.height}×"
        f"{la.width} grid mixes the input pixels around the point it maps to, with "
        f"{la.interpolation} weights; channels do not mix. No weights to learn."
        + (" The largest centred window of the target's aspect ratio is cut out first."
           if la.crop_to_aspect_ratio else "")
        + (f" The short side is first padded evenly with {la.fill_value}."
           if la.pad_to_aspect_ratio else "")),
    "Dropout": dropout,
    "SpatialDropout1D": spatial_dropout,
    "SpatialDropout2D": spatial_dropout,
    "SpatialDropout3D": spatial_dropout,
    "GaussianNoise": _fixed("training: y = x + e, e ~ Normal(0, stddev²) per entry; "
                            "inference: y = x."),
    "GaussianDropout": _fixed("training: y = x * m, m ~ Normal(1, rate / (1 - rate)) per "
                              "entry; inference: y = x."),
    "LSTM": lstm,
    "GRU": gru,
    "SimpleRNN": simple_rnn,
    "TimeDistributed": time_distributed,
    "Bidirectional": bidirectional,
    "Embedding": embedding,
    "Masking": _fixed("y = x, with steps whose features all equal mask_value masked out."),
    "Conv1D": conv,
    "Conv2D": conv,
    "Conv3D": conv,
    "Conv1DTranspose": conv_transpose,
    "Conv2DTranspose": conv_transpose,
    "Conv3DTranspose": conv_transpose,
    "DepthwiseConv1D": _fixed("each input channel is convolved with its own "
                              "depth_multiplier kernels; channels do not mix."),
    "DepthwiseConv2D": _fixed("each input channel is convolved with its own "
                              "depth_multiplier kernels; channels do not mix."),
    "SeparableConv1D": _fixed("a depthwise convolution (per channel) then a 1x1 "
                              "convolution that mixes channels."),
    "SeparableConv2D": _fixed("a depthwise convolution (per channel) then a 1x1 "
                              "convolution that mixes channels."),
    "MaxPooling1D": pooling("max"), "MaxPooling2D": pooling("max"),
    "MaxPooling3D": pooling("max"),
    "AveragePooling1D": pooling("mean"), "AveragePooling2D": pooling("mean"),
    "AveragePooling3D": pooling("mean"),
    "GlobalMaxPooling1D": global_pooling("max"), "GlobalMaxPooling2D": global_pooling("max"),
    "GlobalAveragePooling1D": global_pooling("mean"),
    "GlobalAveragePooling2D": global_pooling("mean"),
    "BatchNormalization": batch_norm,
    "LayerNormalization": layer_norm,
    "Attention": attention,
    "AdditiveAttention": additive_attention,
    "MultiHeadAttention": multi_head_attention,
    "Concatenate": lambda la: f"y = the inputs joined along axis {getattr(la, 'axis', -1)}.",
    "Add": merge("sum"), "Subtract": merge("difference"), "Multiply": merge("product"),
    "Average": merge("mean"), "Maximum": merge("maximum"), "Minimum": merge("minimum"),
    "Dot": _fixed("y = dot product of the two inputs along the given axes."),
}


def formula(layer: Any) -> str:
    """The formula text for ``layer``; for a model, its composition."""
    for cls in type(layer).__mro__:
        fn = FORMULAS.get(cls.__name__)
        if fn is None:
            continue
        if cls is not type(layer) and type(layer).call is not cls.call:
            break
        try:
            return fn(layer)
        except AttributeError:
            break
    if hasattr(layer, "layers") and hasattr(layer, "compile"):
        names = " -> ".join(la.name for la in layer.layers
                            if type(la).__name__ != "InputLayer")
        return f"y = composition of its layers: {names}."
    return (f"y = {type(layer).__name__}.call(x): a layer without a formula on file; the "
            "dependency map below is measured from its call().")
