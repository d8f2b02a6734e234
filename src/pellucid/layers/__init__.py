"""All layers, under their Keras names."""
# ruff: noqa: F401, F403

from pellucid.layers.activation_layers import *  # noqa: F403
from pellucid.layers.attention import *  # noqa: F403
from pellucid.layers.convolution import *  # noqa: F403
from pellucid.layers.core import Activation, Dense, Identity
from pellucid.layers.dropout import Dropout
from pellucid.layers.embedding import *  # noqa: F403
from pellucid.layers.flatten import Flatten
from pellucid.layers.image_preprocessing import *  # noqa: F403
from pellucid.layers.input_layer import Input, InputLayer
from pellucid.layers.input_spec import InputSpec
from pellucid.layers.lambda_layer import Lambda  # noqa: F401
from pellucid.layers.layer import Layer
from pellucid.layers.masking import *  # noqa: F403
from pellucid.layers.merging import *  # noqa: F403
from pellucid.layers.normalization import *  # noqa: F403
from pellucid.layers.pooling import *  # noqa: F403
from pellucid.layers.recurrent import *  # noqa: F403
from pellucid.layers.regularization import *  # noqa: F403
from pellucid.layers.reshaping import *  # noqa: F403
from pellucid.layers.wrappers import *  # noqa: F403
