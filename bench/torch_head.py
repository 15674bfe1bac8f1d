#!/usr/bin/python3
"""Case 2 peer: one training step of the MMER head in PyTorch on CPU (float32), for `npm run bench`.

The model is tools/reference/head.py's Head (the PyTorch reference the tfjs head is tested against), with the dropout
sites src/mmer/head.ts applies while training; the loss is the trainer's CE + 0.1 CTC + 0.1 SupCon (Khosla) + 0.1 ACL
(InfoNCE against a second, augmented forward pass), then AdamW with global-norm clipping at 1, as src/mmer/trainer.ts
and optimizer.ts do. Inputs are cached random features, as ours sees them.

Run with the system interpreter and OpenBLAS on one thread (bench/cases/train.ts does):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_head.py --batch 8 --frames 250 --tokens 24 --warmup 1 --repeats 3
Prints one JSON object: per-step times (ms, loss read back each step) and the torch/BLAS setup.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tools', 'reference'))
import head as ref  # noqa: E402  (the reference model: parameter names, blocks, forward)
from losses import supcon_khosla, infonce  # noqa: E402

# The reference modules switch torch to float64 for exact comparisons; training runs in float32, like ours.
torch.set_default_dtype(torch.float32)


class TrainHead(ref.Head):
    """ref.Head plus dropout where src/mmer/head.ts and layers.ts apply it while training."""

    def __init__(self, c, w, p):
        super().__init__(c, w)
        self.p = p

    def drop(self, x):
        return F.dropout(x, self.p, training=True)

    def attention(self, name, q_in, kv_in, key_mask):
        b, tq, d = q_in.shape
        h = self.c['heads']
        dh = d // h

        def split(x):
            return x.view(b, x.shape[1], h, dh).permute(0, 2, 1, 3)
        q = split(self.linear(f'{name}.attn.q', q_in))
        k = split(self.linear(f'{name}.attn.k', kv_in))
        v = split(self.linear(f'{name}.attn.v', kv_in))
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + ((1.0 - key_mask) * ref.MASK_NEG)[:, None, None, :]
        ctx = (self.drop(torch.softmax(scores, dim=-1)) @ v).permute(0, 2, 1, 3).reshape(b, tq, d)
        return self.linear(f'{name}.attn.o', ctx)

    def block(self, name, q_in, kv_in, key_mask):
        h = self.ln(f'{name}.attn_ln', q_in + self.drop(self.attention(name, q_in, kv_in, key_mask)))
        ff = self.drop(self.linear(f'{name}.ffn.out', F.gelu(self.linear(f'{name}.ffn.in', h))))
        return self.ln(f'{name}.ffn_ln', h + ff)

    def forward(self, audio, audio_mask, text, text_mask):
        c = self.c
        a = self.linear('audio_in', audio) if c['audioDim'] != c['hidden'] else audio
        for i in range(c['audioLayers']):
            a = self.block(f'audio_layers.{i}', a, a, audio_mask)
        t = self.linear('text_in', text) if c['textDim'] != c['hidden'] else text
        t = self.drop(t)
        hh = self.block('text_block', t, t, text_mask)
        p = self.block('block_b', hh, self.linear('audio_proj_b', a), audio_mask)
        cc = self.block('block_c', self.linear('audio_proj_c', a), hh, text_mask)
        r = self.block('block_d', hh, cc, audio_mask)
        gate = torch.sigmoid(self.linear('gate', torch.cat([r, p], dim=2)))
        fused = torch.cat([r, gate * p], dim=2)
        pooled = torch.cat([self.masked_max(a, audio_mask), self.linear('text_pool', self.masked_max(fused, text_mask))], dim=1)
        return self.linear('classifier', pooled), pooled, self.linear('ctc', self.drop(a))

    def project(self, pooled, view):
        return self.linear(f'proj_{view}.fc2', F.gelu(self.linear(f'proj_{view}.fc1', pooled)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--frames', type=int, default=250)
    ap.add_argument('--tokens', type=int, default=24)
    ap.add_argument('--target', type=int, default=60, help='CTC target length (characters)')
    ap.add_argument('--hidden', type=int, default=768)
    ap.add_argument('--heads', type=int, default=12)
    ap.add_argument('--ffn', type=int, default=3072)
    ap.add_argument('--feat', type=int, default=768, help='audio and text feature width')
    ap.add_argument('--labels', type=int, default=4)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    c = dict(labels=list(range(args.labels)), audioDim=args.feat, textDim=args.feat, hidden=args.hidden, heads=args.heads,
             ffn=args.ffn, layerNormEps=1e-12, vocabSize=32, audioLayers=0)
    w = {}
    for name, shape, kind in ref.param_specs(c):
        t = torch.randn(*shape) * 0.02 if kind == 'w' else (torch.ones(*shape) if kind == 'g' else torch.zeros(*shape))
        w[name] = t.requires_grad_(True)
    model = TrainHead(c, w, 0.1)
    no_decay = [t for n, t in w.items() if n.endswith('.bias') or '_ln.' in n]
    decay = [t for n, t in w.items() if not (n.endswith('.bias') or '_ln.' in n)]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=5e-5)
    b = args.batch

    def view():
        return (torch.randn(b, args.frames, args.feat), torch.ones(b, args.frames), torch.randn(b, args.tokens, args.feat),
                torch.ones(b, args.tokens))
    orig, aug = view(), view()
    labels = [i % args.labels for i in range(b)]
    targets = torch.randint(1, 32, (b * args.target,))

    def step():
        logits, pooled, ctc_logits = model.forward(*orig)
        ce = F.cross_entropy(logits, torch.tensor(labels))
        ctc = F.ctc_loss(F.log_softmax(ctc_logits, dim=2).transpose(0, 1), targets, torch.full((b,), args.frames),
                         torch.full((b,), args.target), zero_infinity=True)
        z = model.project(pooled, 'orig')
        sc = supcon_khosla(z, labels, 0.07)
        _, pooled_aug, _ = model.forward(*aug)
        acl = infonce(z, model.project(pooled_aug, 'aug'), 0.07, False, True)
        loss = ce + 0.1 * ctc + 0.1 * sc + 0.1 * acl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(w.values()), 1.0)
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    samples = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        'samples': samples,
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS'),
        'blas': [l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()][:1],
        'params': sum(t.numel() for t in w.values()),
    }))


if __name__ == '__main__':
    main()
