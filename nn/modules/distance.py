"""torch.nn.modules.distance's names for the engine's classes, defined in nn/loss_more.py."""
from ..loss_more import CosineSimilarity, PairwiseDistance

__all__ = ["PairwiseDistance", "CosineSimilarity"]
