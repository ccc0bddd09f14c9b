"""MixtureSameFamily: a mixture whose components are one distribution family, told apart by
the rightmost batch dim of the component distribution, chosen by a Categorical."""
from __future__ import annotations

from ..compat import Size
from ..function import no_grad
from . import constraints
from .categorical import Categorical
from .constraints import Constraint, _np, _result
from .distribution import Distribution
from .utils import as_size


class MixtureSameFamilyConstraint(Constraint):
    """The component distribution's support, checked with the component dim added back:
    a value is valid when it is valid for every component."""

    def __init__(self, base_constraint):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"MixtureSameFamilyConstraint: base_constraint must be a "
                            f"Constraint, got {type(base_constraint).__name__}")
        self.base_constraint = base_constraint

    @property
    def is_discrete(self) -> bool:
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:
        return self.base_constraint.event_dim

    def check(self, value):
        if value.dim() < self.event_dim:
            raise ValueError(f"Expected value.dim() >= {self.event_dim} but got {value.dim()}")
        result = _np(self.base_constraint.check(value.unsqueeze(-1 - self.event_dim)))
        keep = value.dim() - self.event_dim
        return _result(result.reshape(result.shape[:keep] + (-1,)).all(-1))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_constraint!r})"


class MixtureSameFamily(Distribution):
    """A batch of mixtures of K components of one family.

    mixture_distribution: Categorical over K with batch_shape () or broadcastable to B;
    component_distribution: batch_shape B + (K,), event_shape E.
    The mixture has batch_shape B and event_shape E: log_prob(x (S, *B, *E)) -> (S, *B)
    = logsumexp_k(log_softmax(logits)_k + log p_k(x)); sample(S) -> (S, *B, *E) (no
    rsample); mean and variance (law of total variance) are (*B, *E); cdf when the
    components have one.

        mix = Categorical(autograd.ones(5))
        comp = Independent(Normal(autograd.randn(5, 2), autograd.rand(5, 2) + 0.1), 1)
        gmm = MixtureSameFamily(mix, comp)        # batch_shape (), event_shape (2,)
    """

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of "
                             "autograd.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of "
                             "autograd.distributions.Distribution")
        mdbs = mixture_distribution.batch_shape
        cdbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not "
                                 f"compatible with `component_distribution.batch_shape`"
                                 f"({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(batch_shape=cdbs, event_shape=event_shape,
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = as_size(batch_shape)
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        Distribution.__init__(new, batch_shape, new._component_distribution.event_shape,
                              validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property
    def support(self):
        return MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    @property
    def mean(self):
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(dim=-1 - self._event_ndims)

    @property
    def variance(self):
        # the law of total variance: Var(Y) = E[Var(Y|X)] + Var(E[Y|X])
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        k_dim = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(dim=k_dim)
        spread = (self.component_distribution.mean - self._pad(self.mean)).pow(2.0)
        return mean_cond_var + (probs * spread).sum(dim=k_dim)

    def cdf(self, x):
        cdf_x = self.component_distribution.cdf(self._pad(x))
        return (cdf_x * self.mixture_distribution.probs).sum(dim=-1)

    def log_prob(self, x):
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self.component_distribution.log_prob(self._pad(x))      # (S, *B, K)
        log_mix_prob = self.mixture_distribution.logits.log_softmax(dim=-1)   # (*B, K)
        return (log_prob_x + log_mix_prob).logsumexp(dim=-1)                  # (S, *B)

    def sample(self, sample_shape=()):
        """sample_shape + batch_shape + event_shape draws: a component index from the
        mixture, then that component's draw (every component is drawn, as torch does). A
        mixture whose batch_shape broadcasts to the components' is expanded first, where
        torch's sample raises."""
        sample_shape = as_size(sample_shape)
        with no_grad():
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = self.event_shape
            mixture = self.mixture_distribution
            if mixture.batch_shape != self.batch_shape:
                # a mixture batch that broadcasts (torch's gather then fails): one component
                # per batch element, drawn independently, as the broadcast mixture means
                mixture = mixture.expand(self.batch_shape)
            mix_sample = mixture.sample(sample_shape)                             # (S, *B)
            mix_shape = Size(mix_sample.shape)
            comp_samples = self.component_distribution.sample(sample_shape)    # (S, *B, K, *E)
            index = mix_sample.reshape(tuple(mix_shape) + (1,) * (len(es) + 1))
            index = index.repeat((1,) * len(mix_shape) + (1,) + tuple(es))
            return comp_samples.gather(gather_dim, index).squeeze(gather_dim)

    def _pad(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x):
        """probs (*B_mix, K) reshaped to broadcast against the components' (*B, K, *E)."""
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self.mixture_distribution},\n  "
                f"{self.component_distribution})")


__all__ = ["MixtureSameFamily", "MixtureSameFamilyConstraint"]
