"""LBFGS against torch.optim.LBFGS: trajectories, evaluation counts, state, errors."""
import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")

CONFIGS = [dict(), dict(lr=0.5, history_size=2, max_iter=5),
           dict(line_search_fn="strong_wolfe"),
           dict(line_search_fn="strong_wolfe", history_size=3, max_iter=7),
           dict(max_iter=50, tolerance_grad=1e-3, tolerance_change=1e-4)]


def _setup(kwargs, dtype=np.float64):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)).astype(dtype), 0.5 * rng.normal(size=(8, 2)).astype(dtype)
    inits = [rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=(2,)).astype(dtype)]
    ours = [nn.Parameter(a.copy()) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    opt_o, opt_t = optim.LBFGS(ours, **kwargs), torch.optim.LBFGS(theirs, **kwargs)

    def closure_o():
        opt_o.zero_grad()
        loss = (((autograd.tensor(X) @ ours[0] + ours[1]).tanh() - autograd.tensor(y)) ** 2)
        loss = loss.mean()
        loss.backward()
        return loss

    def closure_t():
        opt_t.zero_grad()
        loss = ((torch.tanh(torch.from_numpy(X) @ theirs[0] + theirs[1])
                 - torch.from_numpy(y)) ** 2).mean()
        loss.backward()
        return loss
    return ours, theirs, opt_o, opt_t, closure_o, closure_t


@pytest.mark.parametrize("kwargs", CONFIGS, ids=str)
def test_lbfgs_matches_torch(kwargs):
    ours, theirs, opt_o, opt_t, c_o, c_t = _setup(kwargs)
    # fixed steps of lr=1 on this tanh problem amplify rounding; the line search does not
    rtol = 1e-9 if kwargs.get("line_search_fn") else 1e-6
    for step in range(3):
        l_o, l_t = opt_o.step(c_o), opt_t.step(c_t)
        assert l_o.item() == pytest.approx(l_t.item(), rel=rtol)
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=1e-9,
                                       err_msg=f"step {step}")
        s_o, s_t = opt_o.state[ours[0]], opt_t.state[theirs[0]]
        assert (s_o["func_evals"], s_o["n_iter"]) == (s_t["func_evals"], s_t["n_iter"])
        assert len(s_o["old_dirs"]) == len(s_t["old_dirs"])
    assert s_o["func_evals"] > 3 and len(s_o["old_dirs"]) > 0   # real iterations ran


def test_lbfgs_float32_and_state_dict_round_trip():
    # two iterations: in float32 a line search's branch can flip on an ulp from the third one
    # on (both engines then leave the float64 path by ~0.5 on some CPUs, torch's too)
    kw = dict(line_search_fn="strong_wolfe", max_iter=2)
    ours, theirs, opt_o, opt_t, c_o, c_t = _setup(kw, np.float32)
    opt_o.step(c_o)
    opt_t.step(c_t)
    assert ours[0].data.dtype == np.float32
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-4, atol=1e-5)
    ours2, _, opt2, _, c2, _ = _setup(kw, np.float32)
    for p, q in zip(ours2, ours):
        p.data[...] = q.data
    opt2.load_state_dict(opt_o.state_dict())
    opt_o.step(c_o)
    opt2.step(c2)
    for p, q in zip(ours, ours2):
        np.testing.assert_array_equal(p.data, q.data)


def test_lbfgs_stops_at_a_minimum_and_keys_match_torch():
    p = nn.Parameter(np.zeros(3))
    opt = optim.LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    opt.step(closure)
    assert opt.state[p]["func_evals"] == 1 and "d" not in opt.state[p]  # gradient is 0
    theirs = torch.optim.LBFGS([torch.zeros(3, requires_grad=True)])
    assert opt.param_groups[0].keys() == theirs.param_groups[0].keys()
    assert opt.defaults == theirs.defaults


def test_lbfgs_errors():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([a]).add_param_group({"params": [b]})
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([a], line_search_fn="armijo")
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate"):
        optim.LBFGS([a], lr=-1.0)
    with pytest.raises(ValueError, match="LBFGS: history_size must be a positive integer"):
        optim.LBFGS([a], history_size=0)


@pytest.mark.parametrize("kwargs", CONFIGS, ids=str)
def test_lbfgs_state_is_tensors_and_a_saved_one_loads_in_torch_and_resumes(kwargs):
    # ndarrays and numpy numbers in the state (d, H_diag, ro, ...) made
    # torch.load(weights_only=True) refuse the checkpoint
    import io
    ours, theirs, opt_o, opt_t, c_o, c_t = _setup(kwargs)
    for _ in range(2):
        opt_o.step(c_o)
        opt_t.step(c_t)
    state = opt_o.state[ours[0]]
    for key in ("d", "prev_flat_grad"):
        assert isinstance(state[key], autograd.Tensor)
    assert all(isinstance(v, autograd.Tensor) for k in ("old_dirs", "old_stps", "ro")
               for v in state[k])
    buf = io.BytesIO()
    autograd.save(opt_o.state_dict(), buf)
    buf.seek(0)
    _, fresh, _, opt_f, _, c_f = _setup(kwargs)
    with torch.no_grad():
        for q, p in zip(fresh, ours):
            q.copy_(torch.from_numpy(np.array(p.data)))
    opt_f.load_state_dict(torch.load(buf, weights_only=True))
    rtol = 1e-9 if kwargs.get("line_search_fn") else 1e-6
    for _ in range(2):
        opt_o.step(c_o)
        opt_f.step(c_f)
    for p, q in zip(ours, fresh):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=1e-9)
