"""torch.nn.modules.transformer's names for the engine's classes, defined in nn/transformer.py,
nn/transformer_decoder.py."""
from ..transformer import TransformerEncoder, TransformerEncoderLayer
from ..transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]
