"""log_prob, entropy, mean/variance/mode, cdf/icdf of every distribution against
torch.distributions: values, gradients and (float64) second derivatives in the parameters and
the value, in float64 and float32."""
import numpy as np
import pytest

from tests.autograd.distributions.oracle import compare, const

R = np.random.default_rng(0)
LOC = R.standard_normal(3)
SCALE = R.uniform(0.5, 2.0, 3)
X = R.standard_normal((2, 3))
POS = R.uniform(0.2, 3.0, (2, 3))
U01 = R.uniform(0.05, 0.95, (2, 3))
CONC = R.uniform(0.6, 3.0, 3)
A33 = R.standard_normal((3, 3))
LOGITS = R.standard_normal((2, 4))
PROBS = R.uniform(0.1, 1.0, (2, 4))


def stats(d):
    return d.mean, d.variance, d.stddev


def D(lib):
    return lib.distributions


CASES = {
    "normal": (lambda lib, m, s, x: (D(lib).Normal(m, s).log_prob(x), D(lib).Normal(m, s).entropy(),
                                     D(lib).Normal(m, s).cdf(x), *stats(D(lib).Normal(m, s))),
               LOC, SCALE, X),
    "normal_icdf": (lambda lib, m, s, u: D(lib).Normal(m, s).icdf(u), LOC, SCALE, U01),
    "normal_scalar_params": (lambda lib, x: D(lib).Normal(0.5, 2.0).log_prob(x), X),
    "lognormal": (lambda lib, m, s, x: (D(lib).LogNormal(m, s).log_prob(x),
                                        D(lib).LogNormal(m, s).entropy(),
                                        D(lib).LogNormal(m, s).cdf(x),
                                        D(lib).LogNormal(m, s).mode,
                                        *stats(D(lib).LogNormal(m, s))), LOC, SCALE, POS),
    "lognormal_icdf": (lambda lib, m, s, u: D(lib).LogNormal(m, s).icdf(u), LOC, SCALE, U01),
    "laplace": (lambda lib, m, s, x: (D(lib).Laplace(m, s).log_prob(x),
                                      D(lib).Laplace(m, s).entropy(), D(lib).Laplace(m, s).cdf(x),
                                      *stats(D(lib).Laplace(m, s))), LOC, SCALE, X),
    "laplace_icdf": (lambda lib, m, s, u: D(lib).Laplace(m, s).icdf(u), LOC, SCALE, U01),
    "exponential": (lambda lib, r, x: (D(lib).Exponential(r).log_prob(x),
                                       D(lib).Exponential(r).entropy(),
                                       D(lib).Exponential(r).cdf(x),
                                       D(lib).Exponential(r).icdf(x / 4),
                                       *stats(D(lib).Exponential(r))), SCALE, U01),
    "uniform": (lambda lib, lo, w, u: (D(lib).Uniform(lo, lo + w).log_prob(lo + w * u),
                                       D(lib).Uniform(lo, lo + w).entropy(),
                                       D(lib).Uniform(lo, lo + w).cdf(lo + w * u),
                                       D(lib).Uniform(lo, lo + w).icdf(u),
                                       *stats(D(lib).Uniform(lo, lo + w))), LOC, SCALE, U01),
    "gamma": (lambda lib, a, r, x: (D(lib).Gamma(a, r).log_prob(x), D(lib).Gamma(a, r).entropy(),
                                    D(lib).Gamma(a, r).mode, *stats(D(lib).Gamma(a, r))),
              CONC, SCALE, POS),
    "beta": (lambda lib, a, b, x: (D(lib).Beta(a, b).log_prob(x), D(lib).Beta(a, b).entropy(),
                                   D(lib).Beta(a, b).mode, *stats(D(lib).Beta(a, b))),
             CONC + 0.5, SCALE + 0.6, U01),
    "beta_scalar_params": (lambda lib, x: D(lib).Beta(2.0, 3.0).log_prob(x), U01),
    "dirichlet": (lambda lib, c, p: (D(lib).Dirichlet(c).log_prob(p / p.sum(-1, keepdim=True)),
                                     D(lib).Dirichlet(c).entropy(),
                                     *stats(D(lib).Dirichlet(c))), CONC, POS),
    "categorical_probs": (lambda lib, p: (
        D(lib).Categorical(probs=p).log_prob(lib.tensor([[0, 3], [2, 1], [1, 1]])),
        D(lib).Categorical(probs=p).entropy(), D(lib).Categorical(probs=p).logits,
        D(lib).Categorical(probs=p).mode), PROBS),
    "categorical_logits": (lambda lib, z: (
        D(lib).Categorical(logits=z).log_prob(lib.tensor([3, 0])),
        D(lib).Categorical(logits=z).entropy(), D(lib).Categorical(logits=z).probs,
        D(lib).Categorical(logits=z).perplexity()), LOGITS),
    "onehot_categorical": (lambda lib, z: (
        D(lib).OneHotCategorical(logits=z).log_prob(const(lib, np.eye(4)[[1, 3]], z)),
        D(lib).OneHotCategorical(logits=z).entropy(),
        *stats(D(lib).OneHotCategorical(logits=z))), LOGITS),
    "bernoulli_probs": (lambda lib, p, x: (
        D(lib).Bernoulli(probs=p).log_prob((x > 0.5).to(p.dtype)),
        D(lib).Bernoulli(probs=p).entropy(), D(lib).Bernoulli(probs=p).logits,
        *stats(D(lib).Bernoulli(probs=p))), U01[0], U01),
    "bernoulli_logits": (lambda lib, z, x: (
        D(lib).Bernoulli(logits=z).log_prob((x > 0.5).to(z.dtype)),
        D(lib).Bernoulli(logits=z).entropy(), *stats(D(lib).Bernoulli(logits=z))), LOC, U01),
    "binomial": (lambda lib, z: (
        D(lib).Binomial(5, logits=z).log_prob(const(lib, [[0, 5, 2], [3, 1, 4]], z)),
        D(lib).Binomial(5, logits=z).entropy(), D(lib).Binomial(5, logits=z).mode,
        *stats(D(lib).Binomial(5, logits=z))), LOC),
    "binomial_probs": (lambda lib, p: D(lib).Binomial(
        const(lib, [3, 4, 5], p), probs=p).log_prob(const(lib, [1, 0, 5], p)), U01[1]),
    "poisson": (lambda lib, r: (D(lib).Poisson(r).log_prob(const(lib, [[0, 1, 4], [2, 7, 0]], r)),
                                D(lib).Poisson(r).mode, *stats(D(lib).Poisson(r))), POS[0]),
    "mvn_covariance": (lambda lib, m, a, x: (
        D(lib).MultivariateNormal(m, covariance_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype))
        .log_prob(x),
        D(lib).MultivariateNormal(m, covariance_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype))
        .entropy(),
        D(lib).MultivariateNormal(m, covariance_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype))
        .precision_matrix), LOC, A33, X),
    "mvn_scale_tril_batched": (lambda lib, m, a, d, x: (
        D(lib).MultivariateNormal(m, scale_tril=a.tril(-1) + lib.diag_embed(d.exp()))
        .log_prob(x.unsqueeze(1)),
        D(lib).MultivariateNormal(m, scale_tril=a.tril(-1) + lib.diag_embed(d.exp()))
        .covariance_matrix,
        D(lib).MultivariateNormal(m, scale_tril=a.tril(-1) + lib.diag_embed(d.exp())).variance),
        X, np.stack([A33, A33.T]), X, R.standard_normal((5, 2, 3))),
    "mvn_precision": (lambda lib, m, a, x: (
        D(lib).MultivariateNormal(m, precision_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype))
        .log_prob(x),
        D(lib).MultivariateNormal(m, precision_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype))
        .scale_tril), LOC, A33, X),
    "independent_normal": (lambda lib, m, s, x: (
        D(lib).Independent(D(lib).Normal(m, s), 1).log_prob(x),
        D(lib).Independent(D(lib).Normal(m, s), 1).entropy()), X, POS, X),
    "transformed_affine_sigmoid": (lambda lib, m, s, u: D(lib).TransformedDistribution(
        D(lib).Normal(m, s), [D(lib).transforms.AffineTransform(0.5, 2.0),
                              D(lib).transforms.SigmoidTransform()]).log_prob(u), LOC, SCALE, U01),
    "transformed_tanh_softplus": (lambda lib, m, s, u: (
        D(lib).TransformedDistribution(D(lib).Normal(m, s),
                                       D(lib).transforms.TanhTransform()).log_prob(2 * u - 1),
        D(lib).TransformedDistribution(D(lib).Normal(m, s),
                                       D(lib).transforms.SoftplusTransform()).log_prob(u)),
        LOC, SCALE, U01),
    "transformed_power_exp": (lambda lib, m, s, x: D(lib).TransformedDistribution(
        D(lib).Normal(m, s), [D(lib).transforms.ExpTransform(),
                              D(lib).transforms.PowerTransform(const(lib, 1.5, m))]).log_prob(x),
        LOC, SCALE, POS),
    "transformed_affine_inverse_cdf": (lambda lib, m, s, x: D(lib).TransformedDistribution(
        D(lib).Normal(m, s), D(lib).transforms.AffineTransform(1.0, -2.0)).cdf(x),
        LOC, SCALE, X),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    fn, *arrays = CASES[name]
    compare(fn, *arrays)


def test_expanded_distribution_matches_torch():
    compare(lambda lib, m, s, x: D(lib).Normal(m, s).expand((4, 3)).log_prob(x),
            LOC, SCALE, R.standard_normal((4, 3)))
    compare(lambda lib, z: D(lib).Categorical(logits=z).expand((3, 2)).log_prob(
        lib.tensor([1, 2])), LOGITS)
    compare(lambda lib, m, a, x: D(lib).MultivariateNormal(
        m, scale_tril=a.tril(-1) + lib.eye(3, dtype=a.dtype)).expand((2,)).log_prob(x),
        LOC, A33, X)


def test_categorical_zero_probability_and_extreme_logits():
    compare(lambda lib, p: (D(lib).Categorical(probs=p * const(lib, [1, 0, 1, 1], p)).entropy(),
                            D(lib).Categorical(probs=p * const(lib, [1, 0, 1, 1], p))
                            .log_prob(lib.tensor([0, 2]))), PROBS)
    compare(lambda lib, z: D(lib).Bernoulli(logits=z * 40).log_prob(const(lib, [1, 0, 1], z)),
            LOC)
