#pragma once
// insightface's arcface_torch weights (`backbone.pth`: the state_dict of an IResNet or a
// MobileFaceNet, as torch.save writes it) read into our model. Our trunk's keys are theirs under
// `backbone.` (models/iresnet.h, models/mobilefacenet.h), so the insightface layout is that prefix
// removed, in both directions.
#include <string>

#include "facenet/core/config.h"
#include "facenet/core/state_dict_file.h"
#include "facenet/models/facenet.h"

namespace facenet::exporting {

/// The arcface_torch network a state dict holds, from its keys: MobileFaceNet (conv_sep.*) or the
/// IResNet whose blocks per stage (layer1..layer4) it has. Throws facenet::Error naming `origin`
/// when it is neither, or when its depths are none of r18/r34/r50/r100/r200.
Backbone insightface_backbone_of(const NamedTensors& state, const std::string& origin);

/// The embedding size D of such a state dict (IResNet's features.weight, MobileFaceNet's
/// features.layers.3.weight). Throws naming `origin` when the key is absent or not 1-D.
int64_t insightface_embedding_size(const NamedTensors& state, const std::string& origin);

/// `state` without a leading `module.` on every key (a DistributedDataParallel wrapper's
/// state_dict saved as is), and in fp32.
NamedTensors strip_module_prefix(NamedTensors state);

/// Copies an insightface-layout state dict into `model` (an insightface trunk): every name and
/// shape must agree. Throws facenet::Error naming `origin`, the key, the expected and the found
/// value on the first disagreement (num_batches_tracked may be absent).
void load_insightface_state(models::FaceNetImpl& model, const NamedTensors& state, const std::string& origin);

}  // namespace facenet::exporting
