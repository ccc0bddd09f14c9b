"""log_prob, entropy, moments, cdf/icdf and KL of the distributions added after the first
set (Cauchy ... LogisticNormal) against torch.distributions: values, gradients and float64
second derivatives, in float64 and float32."""
import numpy as np
import pytest
import torch

import autograd
from tests.autograd.distributions.oracle import compare, const

R = np.random.default_rng(11)
LOC, LOC2 = R.standard_normal(3), R.standard_normal(3)
SCALE, SCALE2 = R.uniform(0.5, 2.0, 3), R.uniform(0.5, 2.0, 3)
X = R.standard_normal((2, 3))
POS = R.uniform(0.2, 3.0, (2, 3))
U01 = R.uniform(0.05, 0.95, (2, 3))
CONC = R.uniform(0.6, 3.0, 3)
PROBS = R.uniform(0.1, 1.0, (2, 4))
COUNTS = [[0.0, 1.0, 4.0], [2.0, 7.0, 0.0]]


def D(lib):
    return lib.distributions


def stats(d):
    return d.mean, d.variance, d.stddev


def kl(lib, p, q):
    return D(lib).kl_divergence(p, q)


def _continuous(name, *args, mode=True):
    """log_prob, entropy, cdf, icdf, mode and moments of D.name(*params) at x (cdf) and at u
    (icdf)."""
    def fn(lib, *xs):
        *params, x, u = xs
        d = getattr(D(lib), name)(*params)
        modes = (d.mode,) if mode else ()
        return d.log_prob(x), d.entropy(), d.cdf(x), d.icdf(u), *modes, *stats(d)
    return (fn, *args)


CASES = {
    "cauchy": _continuous("Cauchy", LOC, SCALE, X, U01),
    "half_cauchy": _continuous("HalfCauchy", SCALE, POS, U01),
    "half_normal": _continuous("HalfNormal", SCALE, POS, U01),
    "gumbel": _continuous("Gumbel", LOC, SCALE, X, U01),
    "weibull": _continuous("Weibull", SCALE, CONC + 0.5, POS, U01),
    "pareto": (lambda lib, s, a, x, u: _continuous("Pareto")[0](lib, s, a, s + x, u),
               SCALE, CONC + 2.0, POS, U01),
    "pareto_heavy_tail": (lambda lib, a: stats(D(lib).Pareto(1.5, a)),
                          np.array([0.5, 1.5, 2.5])),
    "student_t": (lambda lib, df, m, s, x: (
        D(lib).StudentT(df, m, s).log_prob(x), D(lib).StudentT(df, m, s).entropy(),
        D(lib).StudentT(df, m, s).mode, *stats(D(lib).StudentT(df, m, s))),
        np.array([0.8, 1.5, 3.5]), LOC, SCALE, X),
    "student_t_defaults": (lambda lib, df, x: D(lib).StudentT(df).log_prob(x), CONC, X),
    "chi2": (lambda lib, df, x: (D(lib).Chi2(df).log_prob(x), D(lib).Chi2(df).entropy(),
                                 D(lib).Chi2(df).df, *stats(D(lib).Chi2(df))), CONC, POS),
    "geometric_probs": (lambda lib, p: (
        D(lib).Geometric(p).log_prob(const(lib, COUNTS, p)), D(lib).Geometric(p).entropy(),
        D(lib).Geometric(p).logits, D(lib).Geometric(p).mode, *stats(D(lib).Geometric(p))),
        U01[0]),
    "geometric_logits": (lambda lib, z: (
        D(lib).Geometric(logits=z).log_prob(const(lib, COUNTS, z)),
        D(lib).Geometric(logits=z).entropy(), *stats(D(lib).Geometric(logits=z))), LOC),
    "geometric_certain": (lambda lib, p: D(lib).Geometric(
        p * const(lib, [1, 0, 1], p) + const(lib, [0, 1, 0], p)).log_prob(
            const(lib, [1, 0, 3], p)), U01[0]),
    "negative_binomial": (lambda lib, n, z: (
        D(lib).NegativeBinomial(n, logits=z).log_prob(const(lib, COUNTS, z)),
        D(lib).NegativeBinomial(n, logits=z).mode,
        *stats(D(lib).NegativeBinomial(n, logits=z))), CONC, LOC),
    "negative_binomial_probs": (lambda lib, p: (
        D(lib).NegativeBinomial(const(lib, [0.0, 2.0, 3.5], p), probs=p)
        .log_prob(const(lib, [[0, 1, 4], [3, 0, 0]], p)),
        D(lib).NegativeBinomial(const(lib, [0.0, 2.0, 3.5], p), probs=p).probs), U01[0]),
    "multinomial": (lambda lib, p: (
        D(lib).Multinomial(6, probs=p).log_prob(const(lib, [[1, 2, 0, 3], [6, 0, 0, 0]], p)),
        D(lib).Multinomial(6, probs=p).entropy(), *stats(D(lib).Multinomial(6, probs=p))),
        PROBS),
    "multinomial_logits_with_zero_prob": (lambda lib, z: D(lib).Multinomial(
        3, logits=z + const(lib, [0, -np.inf, 0, 0], z)).log_prob(
            const(lib, [[1, 0, 2, 0], [0, 0, 0, 3]], z)), PROBS),
    "relaxed_bernoulli": (lambda lib, t, p, u: (
        D(lib).RelaxedBernoulli(t, probs=p).log_prob(u),
        D(lib).RelaxedBernoulli(t, logits=p).log_prob(u),
        D(lib).RelaxedBernoulli(t, probs=p).logits), np.array(0.7), U01[0], U01),
    "logit_relaxed_bernoulli": (lambda lib, t, z, x: _logit_relaxed(lib)(
        t, logits=z).log_prob(x), np.array(1.3), LOC, X),
    "relaxed_one_hot": (lambda lib, t, p, v: (
        D(lib).RelaxedOneHotCategorical(t, probs=p).log_prob(v / v.sum(-1, keepdim=True)),
        D(lib).RelaxedOneHotCategorical(t, logits=p).log_prob(v / v.sum(-1, keepdim=True))),
        np.array(0.6), PROBS, R.uniform(0.1, 1.0, (3, 2, 4))),
    "lowrank_mvn": (lambda lib, m, w, d, x: (
        D(lib).LowRankMultivariateNormal(m, w, d).log_prob(x),
        D(lib).LowRankMultivariateNormal(m, w, d).entropy(),
        D(lib).LowRankMultivariateNormal(m, w, d).variance,
        D(lib).LowRankMultivariateNormal(m, w, d).covariance_matrix,
        D(lib).LowRankMultivariateNormal(m, w, d).precision_matrix,
        D(lib).LowRankMultivariateNormal(m, w, d).scale_tril),
        LOC, R.standard_normal((2, 3, 2)), SCALE, X),
    "lowrank_mvn_sample_dims": (lambda lib, m, w, d, x: D(lib).LowRankMultivariateNormal(
        m, w, d).log_prob(x), X, R.standard_normal((3, 1)), SCALE, R.standard_normal((4, 2, 3))),
    "von_mises": (lambda lib, m, k, x: (D(lib).VonMises(m, k).log_prob(x),
                                        D(lib).VonMises(m, k).variance),
                  LOC, np.array([0.3, 3.0, 12.0]), X),
    "continuous_bernoulli": _continuous("ContinuousBernoulli",
                                        np.array([0.1, 0.4995, 0.8]), U01, U01, mode=False),
    "continuous_bernoulli_logits": (lambda lib, z, x: (
        D(lib).ContinuousBernoulli(logits=z).log_prob(x),
        D(lib).ContinuousBernoulli(logits=z).entropy(),
        *stats(D(lib).ContinuousBernoulli(logits=z))), LOC, U01),
    "logistic_normal": (lambda lib, m, s, v: (
        D(lib).LogisticNormal(m, s).log_prob(v / v.sum(-1, keepdim=True)),
        D(lib).LogisticNormal(m[0], s[0]).log_prob(v[..., :2] / v[..., :2].sum(-1, True))),
        LOC, SCALE, R.uniform(0.1, 1.0, (2, 4))),
}
# (float64, float32) tolerances where torch's own arithmetic is the limit: its log I0 is a
# polynomial fit good to ~1e-7 (ours: the exact i0e); its Multinomial entropy takes
# lgamma(n + 1) in float32; ContinuousBernoulli's normalizer loses digits near p = 1/2
TOLERANCE = {"von_mises": (dict(rtol=2e-6, atol=2e-7), dict(rtol=2e-5, atol=2e-6)),
             "multinomial": (dict(rtol=1e-6, atol=1e-6), dict(rtol=1e-5, atol=1e-5)),
             "continuous_bernoulli_logits": (None, dict(rtol=2e-4, atol=1e-5))}


def _logit_relaxed(lib):
    if lib is torch:
        return torch.distributions.relaxed_bernoulli.LogitRelaxedBernoulli
    return autograd.distributions.LogitRelaxedBernoulli


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    fn, *arrays = CASES[name]
    tol64, tol32 = TOLERANCE.get(name, (None, None))
    compare(fn, *arrays, dtypes=(np.float64,), tol=tol64)
    compare(fn, *arrays, dtypes=(np.float32,), tol=tol32)


def test_von_mises_normalizer_is_exact():
    from scipy import stats as sps
    k = np.array([1e-3, 0.3, 3.0, 12.0, 80.0, 700.0])
    x = np.linspace(-3, 3, 6)
    d = autograd.distributions.VonMises(autograd.tensor(0.2, dtype=autograd.float64),
                                        autograd.tensor(k))
    np.testing.assert_allclose(d.log_prob(autograd.tensor(x)).numpy(),
                               sps.vonmises.logpdf(x, k, loc=0.2), rtol=1e-12)


KL_CASES = {
    "cauchy": (lambda lib, m, s, m2, s2: kl(lib, D(lib).Cauchy(m, s), D(lib).Cauchy(m2, s2)),
               LOC, SCALE, LOC2, SCALE2),
    "half_normal": (lambda lib, s, s2: kl(lib, D(lib).HalfNormal(s), D(lib).HalfNormal(s2)),
                    SCALE, SCALE2),
    "geometric": (lambda lib, p, q: kl(lib, D(lib).Geometric(p), D(lib).Geometric(logits=q)),
                  U01[0], LOC),
    "gumbel": (lambda lib, m, s, m2, s2: kl(lib, D(lib).Gumbel(m, s), D(lib).Gumbel(m2, s2)),
               LOC, SCALE, LOC2, SCALE2),
    "to_gumbel": (lambda lib, m, s, m2, s2: (
        kl(lib, D(lib).Normal(m, s), D(lib).Gumbel(m2, s2)),
        kl(lib, D(lib).Exponential(s), D(lib).Gumbel(m2, s2)),
        kl(lib, D(lib).Gamma(s, s2), D(lib).Gumbel(m2, s2)),
        kl(lib, D(lib).Chi2(s), D(lib).Gumbel(m2, s2)),
        kl(lib, D(lib).Uniform(m, m + s), D(lib).Gumbel(m2, s2)),
        kl(lib, D(lib).Gumbel(m, s), D(lib).Normal(m2, s2))), LOC, SCALE, LOC2, SCALE2),
    "pareto": (lambda lib, s, a, s2, a2: (
        kl(lib, D(lib).Pareto(s, a), D(lib).Pareto(s2, a2)),
        kl(lib, D(lib).Pareto(s, a + 2), D(lib).Exponential(s2)),
        kl(lib, D(lib).Pareto(s, a + 2), D(lib).Gamma(a2, s2)),
        kl(lib, D(lib).Pareto(s, a + 2), D(lib).Normal(a2, s2)),
        kl(lib, D(lib).Pareto(s, a * 2), D(lib).Normal(a2, s2)),
        kl(lib, D(lib).Uniform(s2, s2 + a), D(lib).Pareto(s, a2))),
        SCALE, CONC, SCALE2, CONC[::-1].copy()),
    "continuous_bernoulli": (lambda lib, p, q, m, s: (
        kl(lib, D(lib).ContinuousBernoulli(p), D(lib).ContinuousBernoulli(logits=q)),
        kl(lib, D(lib).Beta(s, s + 1), D(lib).ContinuousBernoulli(p)),
        kl(lib, D(lib).Uniform(p / 2, p / 2 + 0.3), D(lib).ContinuousBernoulli(p)),
        kl(lib, D(lib).Uniform(p - 1, p), D(lib).ContinuousBernoulli(p)),
        kl(lib, D(lib).ContinuousBernoulli(p), D(lib).Exponential(s)),
        kl(lib, D(lib).ContinuousBernoulli(p), D(lib).Normal(m, s)),
        kl(lib, D(lib).ContinuousBernoulli(p), D(lib).Uniform(m - 3, m + 3)),
        kl(lib, D(lib).ContinuousBernoulli(p), D(lib).Uniform(p, p + 1))),
        np.array([0.1, 0.4995, 0.8]), LOC, LOC2, SCALE),
    "infinite": (lambda lib, m, s: (
        kl(lib, D(lib).Gumbel(m, s), D(lib).Beta(s, s)),
        kl(lib, D(lib).Normal(m, s), D(lib).Pareto(s, s)),
        kl(lib, D(lib).Exponential(s), D(lib).ContinuousBernoulli(s / 3)),
        kl(lib, D(lib).Pareto(s, s), D(lib).Uniform(m, m + 9))), LOC, SCALE),
    "lowrank": (lambda lib, m, w, d, m2, w2, d2: kl(
        lib, D(lib).LowRankMultivariateNormal(m, w, d),
        D(lib).LowRankMultivariateNormal(m2, w2, d2)),
        LOC, R.standard_normal((2, 3, 2)), SCALE, LOC2, R.standard_normal((3, 1)), SCALE2),
    "lowrank_and_mvn": (lambda lib, m, w, d, m2, a: (
        kl(lib, D(lib).LowRankMultivariateNormal(m, w, d),
           D(lib).MultivariateNormal(m2, scale_tril=a.tril(-1) + lib.eye(3, dtype=a.dtype))),
        kl(lib, D(lib).MultivariateNormal(m2, scale_tril=a.tril(-1) + lib.eye(3, dtype=a.dtype)),
           D(lib).LowRankMultivariateNormal(m, w, d))),
        LOC, R.standard_normal((2, 3, 2)), SCALE, LOC2, R.standard_normal((3, 3))),
}


@pytest.mark.parametrize("name", list(KL_CASES))
def test_kl_matches_torch(name):
    fn, *arrays = KL_CASES[name]
    compare(fn, *arrays)


def test_expanded_distributions_match_torch():
    compare(lambda lib, m, s, x: (D(lib).Gumbel(m, s).expand((2, 3)).log_prob(x),
                                  D(lib).HalfNormal(s).expand((2, 3)).log_prob(x.abs()),
                                  D(lib).StudentT(s + 1, m, s).expand((2, 3)).log_prob(x),
                                  D(lib).Weibull(s, s + 1).expand((2, 3)).log_prob(x.abs())),
            LOC, SCALE, X)
    compare(lambda lib, m, w, d, x: D(lib).LowRankMultivariateNormal(m, w, d).expand(
        (2,)).log_prob(x), LOC, R.standard_normal((3, 2)), SCALE, X)
    compare(lambda lib, p: (D(lib).Multinomial(4, probs=p).expand((3, 2)).log_prob(
        const(lib, [1, 1, 2, 0], p)), D(lib).RelaxedOneHotCategorical(
            const(lib, 0.5, p), probs=p).expand((3, 2)).log_prob(p / p.sum(-1, True))), PROBS)


@pytest.mark.parametrize("make", [lambda lib, c, r: lib.distributions.Gamma(c, r),
                                  lambda lib, c, r: lib.distributions.Chi2(2 * c)])
def test_gamma_and_chi2_cdf_match_torch_with_gradients(make):
    v, c, r = np.array([0.3, 1.0, 4.0]), np.array([0.7, 2.0, 5.0]), np.array([1.5, 0.5, 2.0])
    out = []
    for lib in (autograd, torch):
        x, rate = lib.tensor(v, requires_grad=True), lib.tensor(r, requires_grad=True)
        y = make(lib, lib.tensor(c), rate).cdf(x)
        y.sum().backward()
        out.append([np.asarray(t.detach().numpy()) for t in (y, x.grad)])
    for ours, theirs in zip(*out):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)
