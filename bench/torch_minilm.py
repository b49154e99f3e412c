#!/usr/bin/env python3
"""PyTorch reference for `unspin bench --model neural`: the same MiniLM-L6 forward pass
(the weights unspin installs), timed on the same shapes, so the two throughputs can be
compared side by side on one machine. Not a dependency of unspin.

    python3 bench/torch_minilm.py [--threads 2] [--batch 8] [--len 128] [--reps 20] [--sdpa] [--dtype bf16]

`--dtype bf16` casts every weight to torch.bfloat16 (what `model.to(torch.bfloat16)` does:
oneDNN runs the products on AMX or AVX-512 BF16 where the CPU has them).

Needs torch and safetensors (pip install torch safetensors). Reads the weights from
$UNSPIN_HOME/models/all-MiniLM-L6-v2 (default ~/.local/share/unspin/...).
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file


def home():
    h = os.environ.get("UNSPIN_HOME")
    if h:
        return h
    data = os.environ.get("XDG_DATA_HOME", os.path.expanduser("~/.local/share"))
    return os.path.join(data, "unspin")


class Bert(torch.nn.Module):
    """BERT encoder written with torch.nn.functional, as unspin's is with candle."""

    def __init__(self, w, cfg, dtype=torch.float32):
        super().__init__()
        self.w = {k.removeprefix("bert."): v.to(dtype) for k, v in w.items()}
        self.dtype = dtype
        self.h = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg.get("layer_norm_eps", 1e-12)
        self.sdpa = False

    def lin(self, x, p):
        return F.linear(x, self.w[p + ".weight"], self.w[p + ".bias"])

    def ln(self, x, p):
        return F.layer_norm(x, (self.h,), self.w[p + ".weight"], self.w[p + ".bias"], self.eps)

    def forward(self, ids, mask):
        b, t = ids.shape
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:t] + w["embeddings.token_type_embeddings.weight"][0]
        x = self.ln(x, "embeddings.LayerNorm")
        bias = ((mask[:, None, None, :].float() - 1.0) * 1e9).to(self.dtype)
        hd = self.h // self.nh
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            def split(y):
                return y.view(b, t, self.nh, hd).transpose(1, 2)
            q = split(self.lin(x, p + ".attention.self.query")) / hd**0.5
            k = split(self.lin(x, p + ".attention.self.key"))
            v = split(self.lin(x, p + ".attention.self.value"))
            if self.sdpa:
                a = F.scaled_dot_product_attention(q * hd**0.5, k, v, attn_mask=bias)
            else:
                a = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1) @ v
            a = a.transpose(1, 2).reshape(b, t, self.h)
            x = self.ln(self.lin(a, p + ".attention.output.dense") + x, p + ".attention.output.LayerNorm")
            u = F.gelu(self.lin(x, p + ".intermediate.dense"))
            x = self.ln(self.lin(u, p + ".output.dense") + x, p + ".output.LayerNorm")
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--len", type=int, default=128)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--sdpa", action="store_true", help="fused F.scaled_dot_product_attention")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="weights and activations")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    d = os.path.join(home(), "models", "all-MiniLM-L6-v2")
    cfg = json.load(open(os.path.join(d, "config.json")))
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    model = Bert(load_file(os.path.join(d, "model.safetensors")), cfg, dtype).eval()
    model.sdpa = a.sdpa
    g = torch.Generator().manual_seed(13)
    ids = torch.randint(1000, 30000, (a.batch, a.len), generator=g)
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        model(ids, mask)
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(a.reps):
                model(ids, mask)
            best = min(best, time.perf_counter() - t0)
    toks = a.batch * a.len * a.reps / best
    attn = "sdpa" if a.sdpa else "matmul+softmax"
    print(f"pytorch {torch.__version__} {a.dtype} ({attn}), {a.threads} threads, batch {a.batch}x{a.len}: {toks:.0f} tokens/s")


if __name__ == "__main__":
    main()
