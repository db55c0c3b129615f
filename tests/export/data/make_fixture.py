# Makes tiny_state_dict.pt, the committed fixture for tests/export/state_dict_test.cpp:
# a real PyTorch state_dict (an OrderedDict with _metadata, saved by torch.save's zip format).
# Run once with Debian's python3-torch 1.13:
#   cd tests/export/data && /usr/bin/python3 make_fixture.py
# Tensor values are arange(numel) * 0.5 in row-major order; num_batches_tracked is 7.
import torch

m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4, eps=1e-3),
                        torch.nn.Linear(4, 2))
sd = m.state_dict()
with torch.no_grad():
    for k, t in sd.items():
        if t.is_floating_point():
            t.copy_(torch.arange(t.numel(), dtype=torch.float32).view_as(t) * 0.5)
        else:
            t.fill_(7)
torch.save(sd, "tiny_state_dict.pt")
