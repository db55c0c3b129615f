#!/usr/bin/python3
"""Peer comparison for `facenet bench`: the same models, batches and thread count in PyTorch from
Python (Debian's python3-torch, the same 1.13 kernels as our LibTorch), eager and frozen
TorchScript, a training step, a DataLoader pipeline over the same JPEG folder and an end-to-end
training loop, in fp32 and (--precisions) bf16 under torch.autocast, and int8 inference by
PyTorch's FX graph-mode post-training quantization (onednn engine). Writes the same case names
as `facenet bench --out`, then (with --ours) prints ours/theirs ratios. --channels-last is the
tuned run scripts/bench.sh makes (with glibc's malloc tuned in the environment). Only this
comparison uses Python; the product does not."""
import argparse
import json
import os
import random
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_models import FaceNet, triplet_loss  # noqa: E402
from insightface_models import ALIASES, Embedder  # noqa: E402

INSIGHTFACE = {"iresnet18", "iresnet34", "iresnet50", "iresnet100", "iresnet200", "mobilefacenet"}


def network(backbone):
    """facenet-cpp's FaceNet for its two trunks; insightface's modules (512-d) for theirs."""
    backbone = ALIASES.get(backbone, backbone)
    return Embedder(backbone) if backbone in INSIGHTFACE else FaceNet(backbone)


def size_of(backbone, args):
    """insightface's networks take 112 px faces, as facenet bench runs them."""
    return 112 if ALIASES.get(backbone, backbone) in INSIGHTFACE else args.image_size


def rate(step, per_step, seconds, warmup):
    """Best of three windows of seconds/3, as facenet bench measures (src/bench/cases.cpp)."""
    for _ in range(warmup):
        step()
    best = 0.0
    for _ in range(3):
        start, steps = time.perf_counter(), 0
        while steps < 1 or time.perf_counter() - start < seconds / 3:
            step()
            steps += 1
        best = max(best, steps * per_step / (time.perf_counter() - start))
    return best


def prepare(model, x, args, bf16):
    """Channels-last where asked (always in bf16, as PyTorch's bf16 CPU recipe has it)."""
    if args.channels_last or bf16:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return model, x


def infer(backbone, path, batch, args, bf16=False):
    size = size_of(backbone, args)
    model, x = prepare(network(backbone).eval(), torch.randn(batch, 3, size, size), args, bf16)
    with torch.no_grad():
        if path == "torchscript-frozen":
            if bf16:  # bf16 weights and input; optimize_for_inference's oneDNN rewrite is fp32-only
                model, x = model.to(torch.bfloat16), x.to(torch.bfloat16)
                model = torch.jit.freeze(torch.jit.trace(model, x))
            else:
                model = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, x)))
            return rate(lambda: model(x), batch, args.seconds, 3 if batch == 1 else 1)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return rate(lambda: model(x), batch, args.seconds, 3 if batch == 1 else 1)


def infer_int8(backbone, batch, args):
    """PyTorch's own post-training quantization of the same network: FX graph mode
    (prepare_fx / convert_fx) with the onednn engine's default qconfig (histogram activations,
    per-channel symmetric weights), the first convolution and the head left fp32 as
    `facenet quantize` leaves them, calibrated on 32 random images (the scales change, not the
    work), then traced and frozen as a deployment would. Channels-last input in the tuned run."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    model = network(backbone).eval()
    first = next(n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d))
    # The head: FaceNet's last_linear/last_bn; insightface's last Linear (fc, or the GDC's).
    head = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)][-1:]
    qmap = get_default_qconfig_mapping("onednn")
    for name in [first, "last_linear", "last_bn"] + head:
        qmap = qmap.set_module_name(name, None)
    size = size_of(backbone, args)
    with torch.no_grad():
        prepared = prepare_fx(model, qmap, (torch.randn(1, 3, size, size),))
        for _ in range(4):
            prepared(torch.randn(8, 3, size, size))
        quantized = convert_fx(prepared)
        x = torch.randn(batch, 3, size, size)
        if args.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        quantized = torch.jit.freeze(torch.jit.trace(quantized, x))
        return rate(lambda: quantized(x), batch, args.seconds, 3 if batch == 1 else 1)


def train_step(backbone, args, bf16=False):
    b = args.train_batch
    size = size_of(backbone, args)
    net = network(backbone)
    model, x = prepare(net.train(), torch.randn(b, 3, size, size), args, bf16)
    head = torch.nn.Linear(getattr(net, "embedding_size", 128), args.train_classes)
    opt = torch.optim.Adam(list(model.parameters()) + list(head.parameters()), 1e-3)
    y = torch.randint(0, args.train_classes, (b,))

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            pre = model.prelogits(x)
        pre = pre.float()  # losses in fp32, as facenet's trainer
        loss = F.cross_entropy(head(pre), y) + triplet_loss(F.normalize(pre, dim=1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return rate(step, b, args.seconds, 1)


class JpegFolder(torch.utils.data.Dataset):
    """PIL decode, random flip, resize, to tensor, (x - 127.5) / 128: the usual recipe."""

    def __init__(self, root, size):
        self.items, self.size = [], size
        for label, name in enumerate(sorted(os.listdir(root))):
            folder = os.path.join(root, name)
            if os.path.isdir(folder):
                self.items += [(os.path.join(folder, f), label) for f in sorted(os.listdir(folder))
                               if f.lower().endswith((".jpg", ".jpeg", ".png"))]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        img = Image.open(path).convert("RGB")
        if random.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        img = img.resize((self.size, self.size), Image.BILINEAR)
        x = torch.from_numpy(np.asarray(img, dtype=np.float32)).permute(2, 0, 1)
        return (x - 127.5) / 128.0, label


def loader(args):
    ds = JpegFolder(args.data, args.image_size)
    return torch.utils.data.DataLoader(ds, batch_size=args.train_batch, shuffle=True, num_workers=args.workers,
                                       drop_last=True, persistent_workers=True, prefetch_factor=4)


def endless(dl):
    while True:
        for batch in dl:
            yield batch


def pipeline(args):
    it = endless(loader(args))
    return rate(lambda: next(it), args.train_batch, args.seconds, 1)


def train_e2e(args):
    it = endless(loader(args))
    model = FaceNet("mobilenet").train()
    head = torch.nn.Linear(128, 10575)
    opt = torch.optim.Adam(list(model.parameters()) + list(head.parameters()), 1e-3)

    def step():
        x, y = next(it)
        pre = model.prelogits(x)
        loss = F.cross_entropy(head(pre), y) + triplet_loss(F.normalize(pre, dim=1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return rate(step, args.train_batch, args.seconds, 1)


def mtcnn(args):
    """facenet-pytorch's MTCNN.detect() (peer_mtcnn.py) on the photos `facenet bench` picks:
    64 spread evenly over the sorted image files of --data, one photo per call."""
    import glob
    from PIL import Image
    import peer_mtcnn
    if args.channels_last:
        peer_mtcnn.MEMORY_FORMAT = torch.channels_last
    exts = (".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".webp", ".tif", ".tiff")
    files = sorted(p for p in glob.glob(os.path.join(args.data, "**", "*"), recursive=True)
                   if p.lower().endswith(exts) and os.path.isfile(p))
    step = max(1, len(files) // 64)
    photos = [Image.open(p).convert("RGB") for p in files[::step][:64]]
    nets = (peer_mtcnn.load(peer_mtcnn.PNet(), "pnet"), peer_mtcnn.load(peer_mtcnn.RNet(), "rnet"),
            peer_mtcnn.load(peer_mtcnn.ONet(), "onet"))
    state = {"n": 0}

    def step_fn():
        with torch.no_grad():
            peer_mtcnn.detect_face([photos[state["n"] % len(photos)]], 20, *nets, [0.6, 0.7, 0.7], 0.709)
        state["n"] += 1
    return rate(step_fn, 1, args.seconds, 1)


def run_case(name, fn):
    """Each case in a forked child, as facenet bench does, so peak RSS is per case."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            msg = "ok\n%r" % fn()
        except Exception as e:  # report and go on with the next case
            msg = "error\n%s" % e
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    _, _, usage = os.wait4(pid, 0)
    text = out.decode()
    case = {"name": name, "unit": "img/s", "peak_rss_mb": usage.ru_maxrss / 1024.0}
    if text.startswith("ok\n"):
        case["value"] = float(text[3:])
    else:
        case["error"] = text[6:] or "child died"
    print("%-46s %10.1f img/s %8.0f MB %s" % (name, case.get("value", 0), case["peak_rss_mb"], case.get("error", "")),
          flush=True)
    return case


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--image-size", type=int, default=160)
    ap.add_argument("--train-batch", type=int, default=96)
    ap.add_argument("--train-classes", type=int, default=10575)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--backbones", nargs="+",
                    default=["mobilenet", "inception_resnet_v1", "iresnet50", "mobilefacenet"])
    ap.add_argument("--data", help="JPEG tree root/<identity>/<image> for the data cases")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--precisions", nargs="+", default=["fp32", "bf16", "int8"], choices=["fp32", "bf16", "int8"])
    ap.add_argument("--channels-last", action="store_true", help="fp32 cases in channels-last too (the tuned run)")
    ap.add_argument("--label", default="PyTorch", help="name of this run in the ratio table")
    ap.add_argument("--out", help="write the figures as JSON")
    ap.add_argument("--ours", help="facenet bench --out JSON from the same run: print ratios")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import ctypes.util
    cases = []
    sel = lambda n: not args.only or any(s in n for s in args.only)  # noqa: E731
    for bb in args.backbones:
        for prec in args.precisions:
            if prec == "int8":  # inference only, one path (FX graph-mode PTQ, traced and frozen)
                for b in (1, 64):
                    n = "%s/infer-int8/b%d" % (bb, b)
                    if sel(n):
                        cases.append(run_case(n, lambda: infer_int8(bb, b, args)))
                continue
            bf16 = prec == "bf16"
            suffix = "-bf16" if bf16 else ""
            for path in ("eager", "torchscript-frozen"):
                for b in (1, 64):
                    n = "%s/infer-%s%s/b%d" % (bb, path, suffix, b)
                    if sel(n):
                        cases.append(run_case(n, lambda: infer(bb, path, b, args, bf16)))
        for prec in args.precisions:
            if prec == "int8":
                continue
            bf16 = prec == "bf16"
            n = "%s/train-step%s/b%d" % (bb, "-bf16" if bf16 else "", args.train_batch)
            if sel(n):
                cases.append(run_case(n, lambda: train_step(bb, args, bf16)))
    if args.data:
        for n, fn in (("detect/mtcnn/b1", mtcnn), ("data/pipeline/b%d" % args.train_batch, pipeline),
                      ("mobilenet/train-e2e/b%d" % args.train_batch, train_e2e)):
            if sel(n):
                cases.append(run_case(n, lambda: fn(args)))
    report = {"machine": {"torch": torch.__version__, "threads": str(args.threads),
                          "channels_last": str(args.channels_last),
                          "malloc": "MALLOC_MMAP_MAX_=%s MALLOC_TRIM_THRESHOLD_=%s" % (
                              os.environ.get("MALLOC_MMAP_MAX_", "(unset)"),
                              os.environ.get("MALLOC_TRIM_THRESHOLD_", "(unset)")),
                          "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
                          "dataloader_workers": str(args.workers)}, "cases": cases}
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            json.dump(report, f, indent=2)
        os.replace(args.out + ".tmp", args.out)
    if args.ours:
        ours = {c["name"]: c for c in json.load(open(args.ours))["cases"] if "value" in c}
        theirs = {c["name"]: c for c in cases if "value" in c}
        best = lambda prefix: max((theirs[k]["value"] for k in theirs if k.startswith(prefix)), default=0)  # noqa
        print("\n%-46s %10s %10s %7s   %s" % ("ours vs " + args.label, "ours", args.label, "ratio",
                                             "peak RSS ours / theirs"))
        for name, c in ours.items():
            peer = theirs.get(name)
            if peer is None and "/infer-" in name:  # compare our paths with PyTorch's best path at that batch
                bb, _, b = name.split("/")
                suffix = "-bf16" if name.split("/")[1].endswith("-bf16") else ""
                paths = [theirs.get("%s/infer-%s%s/%s" % (bb, p, suffix, b)) for p in ("eager", "torchscript-frozen")]
                peer = max((p for p in paths if p), key=lambda p: p["value"], default=None)
            if peer:
                rss = ("%6.0f / %6.0f MB" % (c["peak_rss_mb"], peer["peak_rss_mb"])) if "peak_rss_mb" in peer else ""
                print("%-46s %10.1f %10.1f %6.2fx   %s" % (name, c["value"], peer["value"], c["value"] / peer["value"], rss))


if __name__ == "__main__":
    main()
