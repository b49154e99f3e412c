"""Writes the MPNet reference fixture (crates/neural/tests/fixtures/mpnet.json): the last
hidden states of all-mpnet-base-v2, computed by Hugging Face transformers' MPNetModel
(PyTorch, fp32) for two short sentences we wrote, one of them padded. The Rust encoder
is tested against it to 1e-4.

    python3 bench/mpnet_fixture.py --model "$(unspin model path accurate)"
"""
import argparse
import json

import torch
from tokenizers import Tokenizer
from transformers import MPNetModel

SENTENCES = [
    "The harbour bridge will open next spring, the mayor said.",
    "Nobody believes it.",
]
DIMS = 32  # leading hidden dimensions stored per position (all are summed too)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", default="crates/neural/tests/fixtures/mpnet.json")
    args = ap.parse_args()
    tok = Tokenizer.from_file(f"{args.model}/tokenizer.json")
    tok.no_padding()  # the file pads to 128; pad by hand to the longer row
    rows = [tok.encode(s).ids for s in SENTENCES]
    width = max(len(r) for r in rows)
    pad = 1
    ids = [r + [pad] * (width - len(r)) for r in rows]
    mask = [[1] * len(r) + [0] * (width - len(r)) for r in rows]
    model = MPNetModel.from_pretrained(args.model).eval()
    with torch.no_grad():
        h = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask)).last_hidden_state
    out = {
        "sentences": SENTENCES,
        "ids": ids,
        "mask": mask,
        "dims": DIMS,
        "leading": [[pos[:DIMS].tolist() for pos in row] for row in h],
        "sums": [[float(pos.sum()) for pos in row] for row in h],
        "torch": torch.__version__,
        # The relative-position bucket of each offset key - query in -255..=255.
        "bucket_offsets": list(range(-255, 256)),
        "buckets": model.encoder.relative_position_bucket(torch.arange(-255, 256)).tolist(),
    }
    with open(args.out, "w") as f:
        json.dump(out, f)
    print(f"wrote {args.out}: {len(ids)} rows of {width} pieces")


if __name__ == "__main__":
    main()
