"""insightface's arcface_torch trunks (backbones/iresnet.py and mobilefacenet.py: r18-r200 and mbf)
restated in plain PyTorch with the same module names, so that load_state_dict(strict=True) of an
arcface_torch backbone.pth, or of a facenet-cpp state-dict export, succeeds exactly when the names
and shapes agree. Used by the bench peer (peer_pytorch.py) and by insightface_reference.py, which
computes the embeddings tests/models compares ours with. Only bench/ uses Python."""
import torch
import torch.nn as nn
import torch.nn.functional as F

IRESNET_LAYERS = {"iresnet18": (2, 2, 2, 2), "iresnet34": (3, 4, 6, 3), "iresnet50": (3, 4, 14, 3),
                  "iresnet100": (3, 13, 30, 3), "iresnet200": (6, 26, 60, 6)}
ALIASES = {"r18": "iresnet18", "r34": "iresnet34", "r50": "iresnet50", "r100": "iresnet100", "r200": "iresnet200",
           "mbf": "mobilefacenet"}


class IBasicBlock(nn.Module):
    def __init__(self, cin, planes, stride, downsample):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-5)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-5)
        self.downsample = downsample

    def forward(self, x):
        y = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return y + (self.downsample(x) if self.downsample is not None else x)


class IResNet(nn.Module):
    def __init__(self, layers, num_features=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=1e-5)
        self.prelu = nn.PReLU(64)
        cin = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            down = nn.Sequential(nn.Conv2d(cin, planes, 1, 2, bias=False), nn.BatchNorm2d(planes, eps=1e-5))
            blocks = [IBasicBlock(cin, planes, 2, down)] + [IBasicBlock(planes, planes, 1, None) for _ in range(n - 1)]
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
            cin = planes
        self.bn2 = nn.BatchNorm2d(512, eps=1e-5)
        self.dropout = nn.Dropout(0.0)
        self.fc = nn.Linear(512 * 7 * 7, num_features)
        self.features = nn.BatchNorm1d(num_features, eps=1e-5)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


def conv_unit(cin, cout, k, s, p, g, prelu):
    """ConvBlock (conv, BN, PReLU) or LinearBlock (conv, BN): one child named `layers`."""
    m = nn.Module()
    mods = [nn.Conv2d(cin, cout, k, s, p, groups=g, bias=False), nn.BatchNorm2d(cout)]
    if prelu:
        mods.append(nn.PReLU(cout))
    m.layers = nn.Sequential(*mods)
    m.forward = m.layers.forward
    return m


class DepthWise(nn.Module):
    def __init__(self, cin, cout, residual, stride, width):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(conv_unit(cin, width, 1, 1, 0, 1, True),
                                    conv_unit(width, width, 3, stride, 1, width, True),
                                    conv_unit(width, cout, 1, 1, 0, 1, False))

    def forward(self, x):
        y = self.layers(x)
        return x + y if self.residual else y


def holder(*mods):
    m = nn.Module()
    m.layers = nn.Sequential(*mods)
    m.forward = m.layers.forward
    return m


class MobileFaceNet(nn.Module):
    """mbf: blocks (1, 4, 6, 2), scale 2."""

    def __init__(self, num_features=512):
        super().__init__()
        res = lambda c, n, w: holder(*[DepthWise(c, c, True, 1, w) for _ in range(n)])  # noqa: E731
        self.layers = nn.ModuleList([
            conv_unit(3, 128, 3, 2, 1, 1, True), conv_unit(128, 128, 3, 1, 1, 64, True),
            DepthWise(128, 128, False, 2, 128), res(128, 4, 128),
            DepthWise(128, 256, False, 2, 256), res(256, 6, 256),
            DepthWise(256, 256, False, 2, 512), res(256, 2, 256)])
        self.conv_sep = conv_unit(256, 512, 1, 1, 0, 1, True)
        self.features = holder(conv_unit(512, 512, 7, 1, 0, 512, False), Flatten(),
                               nn.Linear(512, num_features, bias=False), nn.BatchNorm1d(num_features))

    def forward(self, x):
        for f in self.layers:
            x = f(x)
        return self.features(self.conv_sep(x))


def build(name, num_features=512):
    name = ALIASES.get(name, name)
    if name in IRESNET_LAYERS:
        return IResNet(IRESNET_LAYERS[name], num_features)
    if name == "mobilefacenet":
        return MobileFaceNet(num_features)
    raise ValueError("unknown insightface backbone %r" % name)


class Embedder(nn.Module):
    """The trunk plus the L2 normalisation facenet-cpp applies (the peer's FaceNet interface)."""

    def __init__(self, name, num_features=512):
        super().__init__()
        self.net = build(name, num_features)
        self.embedding_size = num_features

    def prelogits(self, x):
        return self.net(x)

    def forward(self, x):
        return F.normalize(self.net(x), p=2, dim=1)
