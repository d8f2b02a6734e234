"""What a model compiles before its first step, and what a second process can reuse.

Weights come from a few fixed-size programs (not one XLA compile per weight shape and
operation), and the training step's program does not depend on the run's random key,
so JAX's persistent cache serves it to the next process.
"""

import logging
from contextlib import contextmanager

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import pellucid as keras
from pellucid.backend import random_draws


class _CompileLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Compiling "):
            self.names.append(message.split()[1])


@contextmanager
def _compiles():
    handler = _CompileLog()
    logger = logging.getLogger("jax")
    logger.addHandler(handler)
    try:
        with jax.log_compiles(True):
            yield handler.names
    finally:
        logger.removeHandler(handler)


def test_dense_layers_of_many_shapes_compile_at_most_one_draw_program():
    random_draws.draw("uniform", np.array([1, 0], np.uint32), (2,))  # compiled already
    with _compiles() as names:
        for units, inputs in [(3, 5), (7, 11), (13, 2), (64, 30), (1, 129)]:
            layer = keras.layers.Dense(units)
            layer.build((None, inputs))
    assert names == []


@pytest.mark.parametrize("kind", random_draws.KINDS)
@pytest.mark.parametrize("shape", [(), (5, 7), (3, 3, 2, 4), (random_draws.CHUNK + 3,)])
def test_draws_are_bit_identical_to_jax_random(kind, shape):
    key = np.array([123456789, 0], np.uint32)
    if kind == "uniform":
        ours = random_draws.draw(kind, key, shape, -0.3, 0.7)
        theirs = jax.random.uniform(jnp.asarray(key), shape, minval=-0.3, maxval=0.7)
    elif kind == "normal":
        ours = random_draws.affine(random_draws.draw(kind, key, shape), 0.05, 0.1)
        theirs = jax.random.normal(jnp.asarray(key), shape) * 0.05 + 0.1
    else:
        ours = random_draws.affine(random_draws.draw(kind, key, shape, -2.0, 2.0), 0.05, 0.1)
        theirs = jax.random.truncated_normal(jnp.asarray(key), -2.0, 2.0, shape) * 0.05 + 0.1
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.view(np.uint32), theirs.view(np.uint32))


def test_training_step_program_does_not_depend_on_the_random_key():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.Dropout(0.5), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 4), np.float32), np.ones((8, 1), np.float32)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    trainer = model._trainer
    state = (*trainer._read_state(), trainer.optimizer.state,
             trainer.compiled.init_metric_states(), trainer._counter)
    arrays = ([x], [y], None)
    indices = np.zeros((16, 4), np.int32)

    def program_text(seed: int) -> str:
        key = jax.random.PRNGKey(seed)
        return trainer._train_fn[1].jitted.lower(state, arrays, indices, np.int32(1),
                                                 key).as_text()

    # Equal programs give equal persistent-cache keys in every process.
    assert program_text(1) == program_text(2)
