"""Two decoder-only language models written as PyTorch users write them today, run unchanged
on both engines (the model source is executed once with torch's names bound to torch, once to
this engine) from the same initial weights; the training losses must agree step by step.

- GPT: nanoGPT's shape (tied input/output embeddings, causal attention from masked_fill on a
  registered tril buffer or from scaled_dot_product_attention(is_causal=True), GELU MLP,
  weight-decay parameter groups for AdamW, a warmup + cosine LR set by hand, gradient
  clipping, generate() with top-k and multinomial).
- LLaMA: RMSNorm, rotary embeddings through rotate_half, grouped-query attention with
  repeat_interleave, SwiGLU, AdamW with OneCycleLR.
"""
import math

import numpy as np
import pytest

import autograd
import nn
from nn import functional as ours_F

torch = pytest.importorskip("torch")

MODELS = '''
class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, flash):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd, self.flash = n_head, n_embd, flash
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size))
                             .view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0,
                                               is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class GPTBlock(nn.Module):
    def __init__(self, n_embd, n_head, block_size, flash):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, flash)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                 nn.Linear(4 * n_embd, n_embd))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block_size, flash, n_layer=2, n_head=2, n_embd=32):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, n_embd), wpe=nn.Embedding(block_size, n_embd),
            h=nn.ModuleList([GPTBlock(n_embd, n_head, block_size, flash)
                             for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd)))
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            torch.nn.init.zeros_(module.bias)

    def forward(self, idx):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))

    def optimizer(self):
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.95)), None

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, top_k):
        for _ in range(max_new_tokens):
            logits = self(idx[:, -self.block_size:])[:, -1, :]
            v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
            logits[logits < v[:, [-1]]] = -float("Inf")
            idx_next = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, d, nh, nkv):
        super().__init__()
        self.nh, self.nkv, self.hd = nh, nkv, d // nh
        self.wq = nn.Linear(d, nh * self.hd, bias=False)
        self.wk = nn.Linear(d, nkv * self.hd, bias=False)
        self.wv = nn.Linear(d, nkv * self.hd, bias=False)
        self.wo = nn.Linear(nh * self.hd, d, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        q = self.wq(x).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.wk(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.wv(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        q = q * cos[:, :, :T] + rotate_half(q) * sin[:, :, :T]
        k = k * cos[:, :, :T] + rotate_half(k) * sin[:, :, :T]
        k = k.repeat_interleave(self.nh // self.nkv, dim=1)
        v = v.repeat_interleave(self.nh // self.nkv, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.wo(y.transpose(1, 2).reshape(B, T, -1))


class LlamaBlock(nn.Module):
    def __init__(self, d, nh, nkv):
        super().__init__()
        self.n1, self.n2 = nn.RMSNorm(d, eps=1e-5), nn.RMSNorm(d, eps=1e-5)
        self.attn = LlamaAttention(d, nh, nkv)
        self.w1, self.w3 = nn.Linear(d, 4 * d, bias=False), nn.Linear(d, 4 * d, bias=False)
        self.w2 = nn.Linear(4 * d, d, bias=False)

    def forward(self, x, cos, sin):
        x = x + self.attn(self.n1(x), cos, sin)
        h = self.n2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class Llama(nn.Module):
    def __init__(self, vocab, block_size, d=32, nh=4, nkv=2, n_layer=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList([LlamaBlock(d, nh, nkv) for _ in range(n_layer)])
        self.norm, self.head = nn.RMSNorm(d), nn.Linear(d, vocab, bias=False)
        hd = d // nh
        inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2).float() / hd))
        freqs = torch.outer(torch.arange(block_size).float(), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos()[None, None], persistent=False)
        self.register_buffer("sin", emb.sin()[None, None], persistent=False)

    def forward(self, idx):
        x = self.emb(idx)
        for block in self.blocks:
            x = block(x, self.cos, self.sin)
        return self.head(self.norm(x))

    def optimizer(self):
        opt = torch.optim.AdamW(self.parameters(), lr=3e-3, weight_decay=0.1)
        return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=STEPS)
'''

STEPS, BLOCK = 8, 16
TEXT = "the quick brown fox jumps over the lazy dog. to be or not to be. " * 12
CHARS = sorted(set(TEXT))


def _library(lib):
    if lib == "torch":
        return {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "math": math}
    return {"torch": autograd, "nn": nn, "F": ours_F, "math": math}


def _train(lib, name, state=None, **kwargs):
    """Build the model in `lib`, load `state` (numpy arrays) if given, train STEPS steps; the
    losses, the model's state as numpy arrays and the model itself."""
    ns = _library(lib)
    ns["STEPS"] = STEPS
    exec(MODELS, ns)
    T = ns["torch"]
    T.manual_seed(0)
    model = ns[name](len(CHARS), BLOCK, **kwargs)
    if state is not None:
        model.load_state_dict({k: T.tensor(v) for k, v in state.items()})
    state = {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}
    opt, sched = model.optimizer()
    data = T.tensor([CHARS.index(c) for c in TEXT], dtype=T.long)
    rng, losses = np.random.default_rng(0), []
    for it in range(STEPS):
        if sched is None:   # nanoGPT's warmup then cosine, set by hand
            lr = 1e-3 * (it + 1) / 3 if it < 3 else 1e-4 + 0.5 * (1 + math.cos(
                math.pi * (it - 3) / (STEPS - 3))) * (1e-3 - 1e-4)
            for group in opt.param_groups:
                group["lr"] = lr
        ix = rng.integers(0, len(data) - BLOCK - 1, 4).tolist()
        x = T.stack([data[i:i + BLOCK] for i in ix])
        y = T.stack([data[i + 1:i + 1 + BLOCK] for i in ix])
        logits = model(x)
        loss = ns["F"].cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1),
                                     ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        T.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses, state, model


@pytest.mark.parametrize("name, kwargs", [("GPT", {"flash": False}), ("GPT", {"flash": True}),
                                          ("Llama", {})], ids=["gpt", "gpt-sdpa", "llama"])
def test_language_model_trains_as_in_torch(name, kwargs):
    theirs, state, _ = _train("torch", name, **kwargs)
    ours, _, model = _train("ours", name, state, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)
    assert ours[-1] < ours[0]
    if name == "GPT":   # tied embeddings stay one Parameter; sampling runs and keeps the shape
        assert model.transformer.wte.weight is model.lm_head.weight
        out = model.generate(autograd.zeros((1, 1), dtype=autograd.long), 5, top_k=5)
        assert tuple(out.shape) == (1, 6) and int(out.max()) < len(CHARS)
