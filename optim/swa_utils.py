"""Stochastic weight averaging as torch.optim.swa_utils: AveragedModel, SWALR, update_bn.

AveragedModel keeps a copy of a model whose parameters are the running mean (or, with an
avg_fn from get_ema_avg_fn, an exponential average) of the model's parameters; update_bn
recomputes BatchNorm statistics for the averaged weights; SWALR anneals each group's lr to a
constant swa_lr.
"""
from __future__ import annotations

import copy
import math
from itertools import chain

import numpy as np

from autograd import Tensor, no_grad
from nn.module import Module

from .lr_scheduler import LRScheduler, _per_group


def get_ema_avg_fn(decay: float = 0.999):
    """avg_fn for an exponential moving average: decay * averaged + (1 - decay) * current."""
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         f"[0,1] range.")

    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """avg_fn for the running mean: averaged + (current - averaged) / (n + 1)."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def get_ema_multi_avg_fn(decay: float = 0.999):
    """multi_avg_fn (lists of Tensors, updated in place) for an exponential moving average."""
    fn = get_ema_avg_fn(decay)

    def ema_update(ema_params, current_params, num_averaged):
        for a, c in zip(ema_params, current_params):
            a.copy_(fn(a, c, num_averaged))
    return ema_update


def get_swa_multi_avg_fn():
    """multi_avg_fn (lists of Tensors, updated in place) for the running mean."""
    fn = get_swa_avg_fn()

    def swa_update(averaged_params, current_params, num_averaged):
        for a, c in zip(averaged_params, current_params):
            a.copy_(fn(a, c, num_averaged))
    return swa_update


class AveragedModel(Module):
    """A deep copy of `model` whose parameters average the model's over update_parameters().

    avg_fn(averaged, current, n_averaged) -> Tensor, or multi_avg_fn(list, list, n) updating
    in place; the default is the equal-weight running mean. use_buffers averages the buffers
    too (else they are copied from the model). forward calls the copy.
    """

    def __init__(self, model: Module, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers: bool = False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give only one of avg_fn and multi_avg_fn")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", Tensor(np.zeros((), np.int64)))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold model's current parameters (and buffers if use_buffers) into the average."""
        if self.use_buffers:
            mine = list(chain(self.module.parameters(), self.module.buffers()))
            theirs = list(chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        pairs = list(zip(mine, theirs))  # zip, not strict: as PyTorch
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for a, c in pairs:
                    a.copy_(c.detach())
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in pairs], [c.detach() for _, c in pairs],
                                  self.n_averaged.detach())
            else:
                fn = self.avg_fn or get_swa_avg_fn()
                for a, c in pairs:
                    a.copy_(fn(a.detach(), c.detach(), self.n_averaged.detach()))
            if not self.use_buffers:  # keep the copy's buffers in sync with the model
                for a, c in zip(self.module.buffers(), model.buffers()):
                    a.copy_(c.detach())
            self.n_averaged.copy_(Tensor(np.asarray(n + 1, np.int64)))


def _batch_norms(model: Module) -> list:
    from nn.layers_more import _InstanceNorm
    from nn.normalization import _BatchNorm
    return [m for m in model.modules()
            if isinstance(m, _BatchNorm) and not isinstance(m, _InstanceNorm)]


def update_bn(loader, model: Module, device=None) -> None:
    """Recompute every BatchNorm's running statistics with one pass over `loader`.

    The statistics become the plain average over the batches (momentum None for the pass);
    a batch that is a list or tuple contributes its first element. The train/eval mode and
    the momenta are restored.
    """
    momenta = {}
    for m in _batch_norms(model):
        m.reset_running_stats()
        momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for m, momentum in momenta.items():
        m.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to swa_lr over anneal_epochs ('cos' or 'linear'), then hold it.

    lr_t = swa_lr * a(t) + lr_0 * (1 - a(t)), a(t) = (1 - cos(pi t)) / 2 or t, with
    t = min(1, step / anneal_epochs); lr_0 is recovered from the current lr (chainable form).
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for lr, group in zip(_per_group("SWALR", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy!r}")
        self._anneal_strategy = anneal_strategy
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) \
                or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs!r}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self._anneal_strategy == "cos" else t

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self._anneal(max(0, min(1, step / max(1, self.anneal_epochs))))
        out = []
        for group in self.optimizer.param_groups:
            lr, swa = group["lr"], group["swa_lr"]
            prev = swa if prev_alpha == 1 else (lr - prev_alpha * swa) / (1 - prev_alpha)
            out.append(swa * alpha + prev * (1 - alpha))
        return out
