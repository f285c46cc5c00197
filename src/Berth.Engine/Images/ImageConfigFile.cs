namespace Berth.Engine.Images;

// Placeholder: the images work defines the OCI image config model here
// (architecture, os, created, author, config{…}, rootfs{type, diff_ids}, history[]),
// serialised with a source-generated JSON context so the image ID is stable.
public sealed record ImageConfigFile;
