"""torch.nn.modules.sparse's names for the engine's classes, defined in nn/sparse.py."""
from ..sparse import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
