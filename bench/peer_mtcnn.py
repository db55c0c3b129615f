#!/usr/bin/python3
"""facenet-pytorch's MTCNN.detect() in Python, for the parity check and the speed comparison.

facenet-pytorch itself cannot be installed here (no PyPI), so this file states its algorithm
(models/mtcnn.py and models/utils/detect_face.py of timesler/facenet-pytorch v2.6) with Debian's
python3-torch and python3-torchvision: the same modules over the same weight files, the same
area resampling, torchvision's batched_nms and the numpy "Min" NMS after O-Net, the same order
of operations. Images are read with PIL as RGB, as facenet-pytorch's examples do.

  peer_mtcnn.py detect OUT.json IMAGE... [--thresholds A,B,C] [--min-face N]
      every face of each image (select_largest order)
  peer_mtcnn.py bench SECONDS IMAGE...     images/s of detect() on one image at a time

Only bench/ uses Python; the product and its tests do not.
"""
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn.functional import interpolate
from torchvision.ops.boxes import batched_nms

# Tuned runs (peer_pytorch.py --channels-last) feed the networks channels-last tensors, as a
# PyTorch user tuning for CPU would; facenet-pytorch itself runs NCHW.
MEMORY_FORMAT = torch.contiguous_format

WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "mtcnn")


class PNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, 3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, 3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, 3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, 1)
        self.softmax4_1 = nn.Softmax(dim=1)
        self.conv4_2 = nn.Conv2d(32, 4, 1)

    def forward(self, x):
        x = self.prelu1(self.conv1(x))
        x = self.pool1(x)
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        return self.conv4_2(x), self.softmax4_1(self.conv4_1(x))


class RNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, 3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, 3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, 2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.softmax5_1 = nn.Softmax(dim=1)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu4(self.dense4(x.view(x.shape[0], -1)))
        return self.dense5_2(x), self.softmax5_1(self.dense5_1(x))


class ONet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, 3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, 2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.softmax6_1 = nn.Softmax(dim=1)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu5(self.dense5(x.view(x.shape[0], -1)))
        return self.dense6_2(x), self.dense6_3(x), self.softmax6_1(self.dense6_1(x))


def load(net, name):
    net.load_state_dict(torch.load(os.path.join(WEIGHTS, name + ".pt")))
    return net.eval()


def imresample(img, sz):
    return interpolate(img, size=sz, mode="area")


def generate_bounding_box(reg, probs, scale, thresh):
    reg = reg.permute(1, 0, 2, 3)
    mask = probs >= thresh
    mask_inds = mask.nonzero()
    image_inds = mask_inds[:, 0]
    score = probs[mask]
    reg = reg[:, mask].permute(1, 0)
    bb = mask_inds[:, 1:].type(reg.dtype).flip(1)
    q1 = ((2 * bb + 1) / scale).floor()
    q2 = ((2 * bb + 12) / scale).floor()
    return torch.cat([q1, q2, score.unsqueeze(1), reg], dim=1), image_inds


def bbreg(boxes, reg):
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    b = torch.stack([boxes[:, 0] + reg[:, 0] * w, boxes[:, 1] + reg[:, 1] * h,
                     boxes[:, 2] + reg[:, 2] * w, boxes[:, 3] + reg[:, 3] * h]).permute(1, 0)
    boxes[:, :4] = b
    return boxes


def rerec(boxes):
    h = boxes[:, 3] - boxes[:, 1]
    w = boxes[:, 2] - boxes[:, 0]
    l = torch.max(w, h)
    boxes[:, 0] = boxes[:, 0] + w * 0.5 - l * 0.5
    boxes[:, 1] = boxes[:, 1] + h * 0.5 - l * 0.5
    boxes[:, 2:4] = boxes[:, :2] + l.repeat(2, 1).permute(1, 0)
    return boxes


def pad(boxes, w, h):
    boxes = boxes.trunc().int().cpu().numpy()
    x, y, ex, ey = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    x[x < 1] = 1
    y[y < 1] = 1
    ex[ex > w] = w
    ey[ey > h] = h
    return y, ey, x, ex


def nms_min(boxes, scores, idxs, threshold):
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64)
    boxes = (boxes + (idxs.to(boxes) * (boxes.max() + 1))[:, None]).numpy()
    s = scores.numpy()
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(s)
    pick = []
    while order.size > 0:
        i = order[-1]
        pick.append(i)
        idx = order[:-1]
        w = np.maximum(0.0, np.minimum(x2[i], x2[idx]) - np.maximum(x1[i], x1[idx]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[idx]) - np.maximum(y1[i], y1[idx]) + 1)
        o = w * h / np.minimum(area[i], area[idx])
        order = order[np.where(o <= threshold)]
    return torch.as_tensor(np.array(pick, dtype=np.int64))


def crops(imgs, boxes, image_inds, w, h, side):
    y, ey, x, ex = pad(boxes, w, h)
    out = []
    for k in range(len(y)):
        if ey[k] > (y[k] - 1) and ex[k] > (x[k] - 1):
            out.append(imresample(imgs[image_inds[k], :, (y[k] - 1):ey[k], (x[k] - 1):ex[k]].unsqueeze(0), (side, side)))
    return ((torch.cat(out, dim=0) - 127.5) * 0.0078125).contiguous(memory_format=MEMORY_FORMAT)


def detect_face(imgs, minsize, pnet, rnet, onet, threshold, factor):
    imgs = torch.as_tensor(np.stack([np.uint8(i) for i in imgs])).permute(0, 3, 1, 2).float()
    batch_size = len(imgs)
    h, w = imgs.shape[2:4]
    m = 12.0 / minsize
    minl = min(h, w) * m
    scales = []
    scale = m
    while minl >= 12:
        scales.append(scale)
        scale = scale * factor
        minl = minl * factor
    boxes, image_inds, picks, offset = [], [], [], 0
    for scale in scales:
        im_data = ((imresample(imgs, (int(h * scale + 1), int(w * scale + 1))) - 127.5) * 0.0078125).contiguous(
            memory_format=MEMORY_FORMAT)
        reg, probs = pnet(im_data)
        b, ii = generate_bounding_box(reg, probs[:, 1], scale, threshold[0])
        boxes.append(b)
        image_inds.append(ii)
        picks.append(batched_nms(b[:, :4], b[:, 4], ii, 0.5) + offset)
        offset += b.shape[0]
    boxes = torch.cat(boxes)
    image_inds = torch.cat(image_inds)
    picks = torch.cat(picks)
    boxes, image_inds = boxes[picks], image_inds[picks]
    pick = batched_nms(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
    boxes, image_inds = boxes[pick], image_inds[pick]
    regw = boxes[:, 2] - boxes[:, 0]
    regh = boxes[:, 3] - boxes[:, 1]
    boxes = torch.stack([boxes[:, 0] + boxes[:, 5] * regw, boxes[:, 1] + boxes[:, 6] * regh,
                         boxes[:, 2] + boxes[:, 7] * regw, boxes[:, 3] + boxes[:, 8] * regh,
                         boxes[:, 4]]).permute(1, 0)
    boxes = rerec(boxes)
    if len(boxes) > 0:
        reg, prob = rnet(crops(imgs, boxes, image_inds, w, h, 24))
        score = prob[:, 1]
        ipass = score > threshold[1]
        boxes = torch.cat((boxes[ipass, :4], score[ipass].unsqueeze(1)), dim=1)
        image_inds = image_inds[ipass]
        mv = reg[ipass]
        pick = batched_nms(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
        boxes, image_inds, mv = boxes[pick], image_inds[pick], mv[pick]
        boxes = rerec(bbreg(boxes, mv))
    points = torch.zeros(0, 5, 2)
    if len(boxes) > 0:
        reg, pts, prob = onet(crops(imgs, boxes, image_inds, w, h, 48))
        score = prob[:, 1]
        ipass = score > threshold[2]
        pts = pts[ipass].permute(1, 0)
        boxes = torch.cat((boxes[ipass, :4], score[ipass].unsqueeze(1)), dim=1)
        image_inds = image_inds[ipass]
        mv = reg[ipass]
        w_i = boxes[:, 2] - boxes[:, 0] + 1
        h_i = boxes[:, 3] - boxes[:, 1] + 1
        px = w_i.repeat(5, 1) * pts[:5, :] + boxes[:, 0].repeat(5, 1) - 1
        py = h_i.repeat(5, 1) * pts[5:10, :] + boxes[:, 1].repeat(5, 1) - 1
        points = torch.stack((px, py)).permute(2, 1, 0)
        boxes = bbreg(boxes, mv)
        pick = nms_min(boxes[:, :4], boxes[:, 4], image_inds, 0.7)
        boxes, image_inds, points = boxes[pick], image_inds[pick], points[pick]
    boxes, points = boxes.numpy(), points.numpy()
    out = []
    for b in range(batch_size):
        sel = np.where(image_inds.numpy() == b)
        bx, pt = boxes[sel], points[sel]
        order = np.argsort((bx[:, 2] - bx[:, 0]) * (bx[:, 3] - bx[:, 1]))[::-1]  # select_largest
        out.append((bx[order], pt[order]))
    return out


def main():
    torch.set_grad_enabled(False)
    nets = load(PNet(), "pnet"), load(RNet(), "rnet"), load(ONet(), "onet")
    args = sys.argv[1:]
    thresholds, min_face = [0.6, 0.7, 0.7], 20
    if "--thresholds" in args:
        i = args.index("--thresholds")
        thresholds = [float(v) for v in args[i + 1].split(",")]
        del args[i:i + 2]
    if "--min-face" in args:
        i = args.index("--min-face")
        min_face = int(args[i + 1])
        del args[i:i + 2]
    mode, arg, paths = args[0], args[1], args[2:]
    detect = lambda img: detect_face([img], min_face, *nets, thresholds, 0.709)[0]
    if mode == "detect":
        result = []
        for p in paths:
            boxes, points = detect(Image.open(p).convert("RGB"))
            result.append({"path": p, "faces": [
                {"box": [float(v) for v in b[:4]], "prob": float(b[4]), "landmarks": pt.tolist()}
                for b, pt in zip(boxes, points)]})
        with open(arg, "w") as f:
            json.dump(result, f)
    else:  # bench: decoded images, detect() one at a time until SECONDS have passed
        images = [Image.open(p).convert("RGB") for p in paths]
        detect(images[0])
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < float(arg):
            detect(images[n % len(images)])
            n += 1
        print(json.dumps({"images": n, "seconds": time.perf_counter() - start, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
