"""Recurrent layers: RNN over a cell, SimpleRNN, LSTM, GRU and their cells."""

from pellucid.layers.recurrent.cudnn import CuDNNGRU, CuDNNLSTM
from pellucid.layers.recurrent.gru import GRU, GRUCell
from pellucid.layers.recurrent.lstm import LSTM, LSTMCell
from pellucid.layers.recurrent.rnn import RNN
from pellucid.layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell
from pellucid.layers.recurrent.stacked_cells import StackedRNNCells

__all__ = [
    "GRU", "LSTM", "RNN", "CuDNNGRU", "CuDNNLSTM", "GRUCell", "LSTMCell", "SimpleRNN",
    "SimpleRNNCell", "StackedRNNCells",
]
