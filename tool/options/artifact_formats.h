// The artifact formats pt2ts writes (--format), as artifact_formats.def
// declares them.
#pragma once

#include <string>

namespace pt2ts {

struct ArtifactFormat {
  const char* name;       // --format value
  const char* extension;  // a save path ending in it selects the format
  const char* what;       // for messages: "a TorchScript archive"
  // How the model is captured: TorchScript formats take --method and
  // --freeze; the others are captured with torch.export, for the example
  // inputs' shapes, so they need example inputs and take --dynamic-dim.
  bool exported;
};

// All formats, the default (torchscript) first; ends with a null name.
extern const ArtifactFormat kArtifactFormats[];

// The format named `name`, or null.
const ArtifactFormat* FindArtifactFormat(const std::string& name);

// Whether `name` is a format captured with torch.export (not TorchScript).
bool IsExportedFormat(const std::string& name);

// The format whose extension `path` ends in, or null.
const ArtifactFormat* ArtifactFormatOfPath(const std::string& path);

// "torchscript, lite": the names, for help texts.
std::string ArtifactFormatNames();

}  // namespace pt2ts
