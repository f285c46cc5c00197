using Berth.Core.Digests;

namespace Berth.Engine.Images;

/// <summary>
/// Told when an image is deleted, so services above Images that keep records about images (the
/// distribution service's manifests and push blobs) drop them without Images knowing them.
/// Registered at composition time; called under the image service's mutation lock, so nothing
/// that publishes or names an image runs meanwhile.
/// </summary>
public interface IImageDeletionObserver
{
    /// <summary>
    /// <paramref name="image"/> (its ID and layers) is gone from the image store, and its config
    /// from the content store; <paramref name="deletedBlobs"/> are its layer blobs that went too
    /// (not those a live lease still holds; with a forced rmi, the tars even while a container runs on the layers).
    /// </summary>
    void ImageDeleted(ImageRecord image, IReadOnlyList<Digest> deletedBlobs);
}
