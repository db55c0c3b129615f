"""The two backbones and the embedding head in plain PyTorch, layer for layer as facenet-cpp
builds them (src/models/*.cpp), so the peer comparison runs the same kernels."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class _Relu6FromOutput(torch.autograd.Function):
    """ReLU6 whose backward reads its output: 1.13 has no bf16 hardtanh_backward on the CPU."""

    @staticmethod
    def forward(ctx, x):
        y = F.hardtanh(x, 0.0, 6.0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad.masked_fill((y <= 0) | (y >= 6), 0)


class ReLU6(nn.Module):
    """nn.ReLU6 in inference (traceable); the saved-output backward when training."""

    def forward(self, x):
        return _Relu6FromOutput.apply(x) if self.training and torch.is_grad_enabled() else F.hardtanh(x, 0.0, 6.0)


def conv_bn(i, o, s):
    return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), ReLU6())


def conv_dw(i, o, s):
    return nn.Sequential(nn.Conv2d(i, i, 3, s, 1, groups=i, bias=False), nn.BatchNorm2d(i), ReLU6(),
                         nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o), ReLU6())


class MobileNetV1(nn.Module):
    channels = 1024

    def __init__(self):
        super().__init__()
        self.stage1 = nn.Sequential(conv_bn(3, 32, 2), conv_dw(32, 64, 1), conv_dw(64, 128, 2),
                                    conv_dw(128, 128, 1), conv_dw(128, 256, 2), conv_dw(256, 256, 1))
        self.stage2 = nn.Sequential(conv_dw(256, 512, 2), *[conv_dw(512, 512, 1) for _ in range(5)])
        self.stage3 = nn.Sequential(conv_dw(512, 1024, 2), conv_dw(1024, 1024, 1))

    def forward(self, x):
        return self.stage3(self.stage2(self.stage1(x)))


class BasicConv2d(nn.Module):
    def __init__(self, i, o, k, s=1, p=0):
        super().__init__()
        self.conv = nn.Conv2d(i, o, k, s, p, bias=False)
        self.bn = nn.BatchNorm2d(o, eps=0.001)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


class Block35(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(256, 32, 1)
        self.branch1 = nn.Sequential(BasicConv2d(256, 32, 1), BasicConv2d(32, 32, 3, 1, 1))
        self.branch2 = nn.Sequential(BasicConv2d(256, 32, 1), BasicConv2d(32, 32, 3, 1, 1), BasicConv2d(32, 32, 3, 1, 1))
        self.conv2d = nn.Conv2d(96, 256, 1)

    def forward(self, x):
        m = torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)
        return torch.relu(self.conv2d(m) * self.scale + x)


class Block17(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(896, 128, 1)
        self.branch1 = nn.Sequential(BasicConv2d(896, 128, 1), BasicConv2d(128, 128, (1, 7), 1, (0, 3)),
                                     BasicConv2d(128, 128, (7, 1), 1, (3, 0)))
        self.conv2d = nn.Conv2d(256, 896, 1)

    def forward(self, x):
        m = torch.cat([self.branch0(x), self.branch1(x)], 1)
        return torch.relu(self.conv2d(m) * self.scale + x)


class Block8(nn.Module):
    def __init__(self, scale, relu=True):
        super().__init__()
        self.scale, self.relu = scale, relu
        self.branch0 = BasicConv2d(1792, 192, 1)
        self.branch1 = nn.Sequential(BasicConv2d(1792, 192, 1), BasicConv2d(192, 192, (1, 3), 1, (0, 1)),
                                     BasicConv2d(192, 192, (3, 1), 1, (1, 0)))
        self.conv2d = nn.Conv2d(384, 1792, 1)

    def forward(self, x):
        m = torch.cat([self.branch0(x), self.branch1(x)], 1)
        out = self.conv2d(m) * self.scale + x
        return torch.relu(out) if self.relu else out


class Mixed6a(nn.Module):
    def __init__(self):
        super().__init__()
        self.branch0 = BasicConv2d(256, 384, 3, 2)
        self.branch1 = nn.Sequential(BasicConv2d(256, 192, 1), BasicConv2d(192, 192, 3, 1, 1), BasicConv2d(192, 256, 3, 2))
        self.branch2 = nn.MaxPool2d(3, 2)

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class Mixed7a(nn.Module):
    def __init__(self):
        super().__init__()
        self.branch0 = nn.Sequential(BasicConv2d(896, 256, 1), BasicConv2d(256, 384, 3, 2))
        self.branch1 = nn.Sequential(BasicConv2d(896, 256, 1), BasicConv2d(256, 256, 3, 2))
        self.branch2 = nn.Sequential(BasicConv2d(896, 256, 1), BasicConv2d(256, 256, 3, 1, 1), BasicConv2d(256, 256, 3, 2))
        self.branch3 = nn.MaxPool2d(3, 2)

    def forward(self, x):
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class InceptionResnetV1(nn.Module):
    channels = 1792

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(BasicConv2d(3, 32, 3, 2), BasicConv2d(32, 32, 3), BasicConv2d(32, 64, 3, 1, 1),
                                  nn.MaxPool2d(3, 2), BasicConv2d(64, 80, 1), BasicConv2d(80, 192, 3),
                                  BasicConv2d(192, 256, 3, 2))
        self.body = nn.Sequential(*[Block35(0.17) for _ in range(5)], Mixed6a(), *[Block17(0.10) for _ in range(10)],
                                  Mixed7a(), *[Block8(0.20) for _ in range(5)], Block8(1.0, relu=False))

    def forward(self, x):
        return self.body(self.stem(x))


class FaceNet(nn.Module):
    """Backbone -> global average pool -> dropout -> bias-free Linear -> BatchNorm1d -> L2 norm."""

    def __init__(self, backbone, embedding=128, keep=0.4):
        super().__init__()
        self.backbone = MobileNetV1() if backbone == "mobilenet" else InceptionResnetV1()
        self.dropout = nn.Dropout(1 - keep)
        self.last_linear = nn.Linear(self.backbone.channels, embedding, bias=False)
        self.last_bn = nn.BatchNorm1d(embedding, eps=0.001)

    def prelogits(self, x):
        x = torch.flatten(F.adaptive_avg_pool2d(self.backbone(x), 1), 1)
        return self.last_bn(self.last_linear(self.dropout(x)))

    def forward(self, x):
        return F.normalize(self.prelogits(x), p=2, dim=1)


def triplet_loss(emb, alpha=0.2):
    """The original recipe's loss over [anchors | positives | negatives] thirds."""
    a, p, n = emb.chunk(3)
    return F.relu((a - p).pow(2).sum(1).sqrt() - (a - n).pow(2).sum(1).sqrt() + alpha).mean()
