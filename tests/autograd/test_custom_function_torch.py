"""Users' autograd.Function subclasses written as for torch (Tensor methods in forward and
backward, several outputs, setup_context, ctx.mark_dirty / mark_non_differentiable /
set_materialize_grads, once_differentiable, create_graph=True): each case is built from one
source for both libraries (`lib` is autograd or torch) and run side by side, in float64."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

LIBS = (autograd, torch)
RTOL = 1e-12


def leaf(lib, values, requires_grad=True):
    return lib.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def as_numpy(x):
    return None if x is None else x.detach().numpy()


def assert_same(ours, theirs):
    """Two results of a scenario (nested tuples/lists of tensors, arrays, numbers) agree."""
    if isinstance(ours, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
        return
    if ours is None or isinstance(ours, (bool, str)):
        assert ours == theirs
        return
    a = as_numpy(ours) if hasattr(ours, "detach") else np.asarray(ours)
    b = as_numpy(theirs) if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=0)


def side_by_side(scenario):
    """scenario(lib) run with both libraries; the results must agree."""
    assert_same(scenario(autograd), scenario(torch))


RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)) * 1.5
W = RNG.standard_normal((3, 4))


def gradient_reversal(lib):
    class GradReverse(lib.autograd.Function):
        """y = x;  dx = -lambda g (domain-adversarial training)."""

        @staticmethod
        def forward(ctx, x, lam):
            ctx.lam = lam
            return x.view_as(x)

        @staticmethod
        def backward(ctx, g):
            return g.neg() * ctx.lam, None
    return GradReverse


def test_gradient_reversal_layer():
    def scenario(lib):
        x = leaf(lib, X)
        h = x * 2.0
        y = gradient_reversal(lib).apply(h, 0.7)
        (y.tanh() * lib.tensor(W)).sum().backward()
        return y, x.grad, y.requires_grad, y.is_leaf
    side_by_side(scenario)


def test_an_input_returned_as_is_is_a_new_tensor_sharing_its_memory():
    def scenario(lib):
        class Same(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g.mul(5.0)

        x = leaf(lib, X)
        y = Same.apply(x)
        shares = np.shares_memory(y.detach().numpy(), x.detach().numpy())
        y.sum().backward()
        return y is x, shares, x.grad
    side_by_side(scenario)


def test_clamp_with_a_straight_through_estimator():
    def scenario(lib):
        class ClampSTE(lib.autograd.Function):
            """y = clamp(x, -1, 1);  dx = g (the clamp is treated as the identity)."""

            @staticmethod
            def forward(ctx, x):
                return x.clamp(-1, 1)

            @staticmethod
            def backward(ctx, g):
                return g.clone()

        x = leaf(lib, X)
        y = ClampSTE.apply(x)
        ((y * lib.tensor(W)) ** 2).sum().backward()
        return y, x.grad
    side_by_side(scenario)


def row_sums_and_squares(lib, seen):
    class SumAndSquare(lib.autograd.Function):
        """(s, q) = (x.sum(1), x * x);  dx = gs[:, None] + 2 x gq."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sum(1), x * x

        @staticmethod
        def backward(ctx, gs, gq):
            seen.append((gs, gq))
            (x,) = ctx.saved_tensors
            return gs.unsqueeze(1) + 2 * x * gq
    return SumAndSquare


@pytest.mark.parametrize("use", ["both", "first", "second"])
def test_several_outputs_of_different_shapes(use):
    def scenario(lib):
        seen = []
        x = leaf(lib, X)
        s, q = row_sums_and_squares(lib, seen).apply(x)
        loss = 0
        if use != "second":
            loss = loss + (s * lib.tensor(W[:, 0])).sum()
        if use != "first":
            loss = loss + (q * lib.tensor(W)).sum()
        loss.backward()
        same_node = s.grad_fn is q.grad_fn if lib is torch else (
            s.grad_fn.name() == q.grad_fn.name() == "SumAndSquareBackward")
        return s, q, x.grad, seen, same_node, s.requires_grad, q.requires_grad
    side_by_side(scenario)


def test_an_integer_output_marked_non_differentiable():
    def scenario(lib):
        seen = []

        class MaxAlongRows(lib.autograd.Function):
            """(values, indices) = x.max(1);  dx = g at each row's maximum."""

            @staticmethod
            def forward(ctx, x):
                values, indices = x.max(1)
                ctx.mark_non_differentiable(indices)
                ctx.save_for_backward(x, indices)
                return values, indices

            @staticmethod
            def backward(ctx, g_values, g_indices):
                seen.append(g_indices)
                x, indices = ctx.saved_tensors
                onehot = (lib.arange(x.shape[1]) == indices.unsqueeze(1)).to(x.dtype)
                return onehot * g_values.unsqueeze(1)

        x = leaf(lib, X)
        values, indices = MaxAlongRows.apply(x)
        (values * lib.tensor(W[:, 1])).sum().backward()
        return (values, indices, x.grad, seen, values.requires_grad, indices.requires_grad,
                indices.is_leaf)
    side_by_side(scenario)


def test_a_python_number_among_the_outputs_is_passed_through():
    def scenario(lib):
        seen = []

        class WithCount(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.mul(2.0), 3.0

            @staticmethod
            def backward(ctx, g, g_count):
                seen.append(g_count)
                return g.mul(2.0)

        x = leaf(lib, X)
        y, count = WithCount.apply(x)
        y.sum().backward()
        return y, count, x.grad, seen
    side_by_side(scenario)


def test_setup_context_style():
    def scenario(lib):
        class MulAdd(lib.autograd.Function):
            """y = alpha x z + z;  dx = alpha g z, dz = g (alpha x + 1)."""

            @staticmethod
            def forward(x, z, alpha=2.0):
                return x.mul(z) * alpha + z

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, z, alpha = inputs
                ctx.save_for_backward(x, z)
                ctx.alpha = alpha

            @staticmethod
            def backward(ctx, g):
                x, z = ctx.saved_tensors
                return g * z * ctx.alpha, g * (x * ctx.alpha + 1), None

        x, z = leaf(lib, X), leaf(lib, W)
        y1 = MulAdd.apply(x, z)
        y2 = MulAdd.apply(x, z, 0.5)
        (y1.sin() + y2 ** 2).sum().backward()
        return y1, y2, x.grad, z.grad
    side_by_side(scenario)


def multiply_in_place(lib):
    class MulInPlace(lib.autograd.Function):
        """x *= k in place (the input becomes the output);  dx = k g."""

        @staticmethod
        def forward(ctx, x, k):
            x.mul_(k)
            ctx.mark_dirty(x)
            ctx.k = k
            return x

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None
    return MulInPlace


def test_mark_dirty_in_place_op():
    def scenario(lib):
        a = leaf(lib, X)
        h = a.sin()
        row = h[1]                       # a view taken before: it sees the write
        y = multiply_in_place(lib).apply(h, 3.0)
        (y * lib.tensor(W)).sum().backward(retain_graph=True)
        grad_through_y = a.grad.clone()
        a.grad = None
        row.sum().backward()
        plain = lib.tensor(np.array([1.0, 2.0]))
        z = multiply_in_place(lib).apply(plain, 2.0)
        return (y is h, h, row, grad_through_y, a.grad, z is plain, plain,
                plain.requires_grad, y.requires_grad)
    side_by_side(scenario)


def test_mark_dirty_on_a_leaf_that_requires_grad_raises():
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been "
                                               "used in an in-place operation"):
            multiply_in_place(lib).apply(leaf(lib, X), 2.0)


def test_set_materialize_grads_false_gives_none_for_unused_outputs():
    def scenario(lib):
        received = []

        class TwoClones(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                ctx.save_for_backward(x)
                return x.clone(), x.clone()

            @staticmethod
            def backward(ctx, g1, g2):
                received.append((g1 is None, g2 is None))
                (x,) = ctx.saved_tensors
                grad = lib.zeros_like(x)
                if g1 is not None:
                    grad = grad + g1
                if g2 is not None:
                    grad = grad + 2 * g2
                return grad

        x = leaf(lib, X)
        y1, y2 = TwoClones.apply(x)
        (y2 * lib.tensor(W)).sum().backward()
        only_second = x.grad.clone()
        x.grad = None
        y1, y2 = TwoClones.apply(x)
        (y1 + y2).sum().backward()
        return only_second, x.grad, received
    side_by_side(scenario)


def cube_once(lib):
    once_differentiable = lib.autograd.function.once_differentiable

    class CubeOnce(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g
    return CubeOnce


def test_once_differentiable():
    def scenario(lib):
        x = leaf(lib, X)
        y = cube_once(lib).apply(x)
        loss = (y ** 2 * lib.tensor(W)).sum()
        loss.backward(retain_graph=True)
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        with pytest.raises(RuntimeError, match="trying to differentiate twice a function "
                                               "that was marked with @once_differentiable"):
            g.sum().backward()
        return y, x.grad, g, g.requires_grad
    side_by_side(scenario)


def test_function_ctx_and_once_differentiable_are_exported():
    from autograd.function import FunctionCtx, once_differentiable
    kinds = []

    class Probe(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            kinds.append(isinstance(ctx, FunctionCtx))
            return x.mul(2.0)

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            return g.mul(2.0)

    assert autograd.autograd.function.FunctionCtx is FunctionCtx
    assert autograd.autograd.function.once_differentiable is once_differentiable
    x = leaf(autograd, [1.0, 2.0])
    Probe.apply(x).sum().backward()
    assert kinds == [True]
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def silu(lib):
    class SiLU(lib.autograd.Function):
        """y = x sigmoid(x);  dx = g (s + y (1 - s)), s = sigmoid(x): it saves an input and
        its own output, so create_graph=True must record through both."""

        @staticmethod
        def forward(ctx, x):
            y = x * x.sigmoid()
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            s = x.sigmoid()
            return g * (s + y * (1 - s))
    return SiLU


def test_gradient_penalty_through_a_custom_function():
    rng = np.random.default_rng(1)
    x0, w1, w2 = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)

    def scenario(lib):
        x, a, b = leaf(lib, x0), leaf(lib, w1), leaf(lib, w2)
        out = (silu(lib).apply(x @ a) @ b).sum()
        (gx,) = lib.autograd.grad(out, x, create_graph=True)
        penalty = (gx ** 2).sum()
        penalty.backward()
        return out, gx, penalty, a.grad, b.grad, x.grad
    side_by_side(scenario)


def test_gradgradcheck_of_custom_functions():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    for lib, check in ((autograd, autograd.gradgradcheck),
                       (torch, torch.autograd.gradgradcheck)):
        assert check(silu(lib).apply, (leaf(lib, x),))
        assert check(row_sums_and_squares(lib, []).apply, (leaf(lib, x),))

    def scenario(lib):   # second derivatives through several outputs, against torch's
        x0 = leaf(lib, x)
        s, q = row_sums_and_squares(lib, []).apply(x0)
        (g,) = lib.autograd.grad((s ** 3).sum() + (q * s.unsqueeze(1)).sum(), x0,
                                 create_graph=True)
        (g.sin() * lib.tensor(W)).sum().backward()
        return g, x0.grad
    side_by_side(scenario)


def test_needs_input_grad():
    def scenario(lib):
        seen = []

        class Scaled(lib.autograd.Function):
            """y = a b s (s a number between the tensors);  da = g b s, db = g a s."""

            @staticmethod
            def forward(ctx, a, s, b):
                seen.append(("forward", ctx.needs_input_grad))
                ctx.save_for_backward(a, b)
                ctx.s = s
                return a.mul(b) * s

            @staticmethod
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                need_a, _, need_b = ctx.needs_input_grad
                seen.append(("backward", ctx.needs_input_grad))
                return (g.mul(b) * ctx.s if need_a else None), None, (
                    g.mul(a) * ctx.s if need_b else None)

        grads = []
        for wants in ((True, False), (False, True), (True, True)):
            a, b = leaf(lib, X, wants[0]), leaf(lib, W, wants[1])
            Scaled.apply(a, 0.5, b).sum().backward()
            grads += [a.grad, b.grad]
        with lib.no_grad():
            y = Scaled.apply(leaf(lib, X), 2.0, leaf(lib, W, False))
        return seen, grads, y, y.requires_grad
    side_by_side(scenario)


def linear_function(lib):
    class LinearFunction(lib.autograd.Function):
        """torch's tutorial example: y = x w^T + b."""

        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias
    return LinearFunction


def test_a_module_with_a_custom_function_trains_as_torch():
    rng = np.random.default_rng(3)
    w1, b1 = rng.standard_normal((5, 3)) * 0.5, rng.standard_normal(5) * 0.1
    w2, b2 = rng.standard_normal((2, 5)) * 0.5, rng.standard_normal(2) * 0.1
    data, target = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))

    def scenario(lib):
        nn = lib.nn
        fn = linear_function(lib)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.Parameter(lib.tensor(w1))
                self.bias = nn.Parameter(lib.tensor(b1))
                self.out = nn.Linear(5, 2).double()
                with lib.no_grad():
                    self.out.weight.copy_(lib.tensor(w2))
                    self.out.bias.copy_(lib.tensor(b2))

            def forward(self, x):
                return self.out(fn.apply(x, self.weight, self.bias).tanh())

        net = Net()
        opt = lib.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = nn.functional.mse_loss(net(lib.tensor(data)), lib.tensor(target))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.detach().clone() for p in net.parameters()]
    side_by_side(scenario)


def product_with(lib, backward):
    """The Function y = a * b (a Tensor method) with the given, wrong, backward."""
    return type("Bad", (lib.autograd.Function,), {
        "forward": staticmethod(lambda ctx, a, b: a.mul(b)),
        "backward": staticmethod(backward)})


def test_wrong_number_of_gradients_raises_naming_the_function():
    for lib in LIBS:
        bad = product_with(lib, lambda ctx, g: (g.mul(2.0),))
        a, b = leaf(lib, X), leaf(lib, W)
        with pytest.raises(RuntimeError) as info:
            bad.apply(a, b).sum().backward()
        if lib is autograd:
            assert "Bad.backward returned 1 gradient for 2 inputs; input 1 requires grad" in str(
                info.value)
        bad = product_with(lib, lambda ctx, g: (g, g, g.mul(2.0)))
        with pytest.raises(RuntimeError, match=r"Bad.*returned (3 gradients for 2 inputs|an "
                                               r"incorrect number of gradients)"):
            bad.apply(leaf(lib, X), leaf(lib, W)).sum().backward()


def test_wrong_gradient_shape_raises_naming_shapes_and_dtypes():
    for lib in LIBS:
        bad = product_with(lib, lambda ctx, g: (g.sum(0), g))
        with pytest.raises(RuntimeError) as info:
            bad.apply(leaf(lib, X), leaf(lib, W)).sum().backward()
        if lib is autograd:
            assert ("Bad.backward returned a gradient of shape (4,) for input 0 of shape "
                    "(3, 4); gradient dtype float64, input dtype float64") in str(info.value)

    def scenario(lib):   # a shape the input broadcasts to is summed back, as torch does
        fn = product_with(lib, lambda ctx, g: (g.unsqueeze(0).expand(2, 3, 4), None))
        a = leaf(lib, X)
        fn.apply(a, leaf(lib, W, False)).sum().backward()
        return a.grad
    side_by_side(scenario)
