"""torch.nn.modules.rnn's names for the engine's classes, defined in nn/rnn.py, nn/rnn_cells.py."""
from ..rnn import GRU, LSTM, RNN, RNNBase
from ..rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
