using Berth.Content;
using Berth.Core.Digests;
using Berth.Engine.Images;

namespace Berth.Engine.Distribution;

/// <summary>
/// Drops what the distribution service kept for an image once the image is deleted: the manifests
/// it was pulled with or pushed as, and the gzip blobs made to push its uncompressed layers (as big
/// as the image). Runs under the image service's mutation lock (see <see cref="IImageDeletionObserver"/>);
/// pulls and pushes record manifests and gzip blobs under that lock too, and only while their image
/// is stored, so no record is made for an image after this has cleaned up after it.
/// </summary>
public sealed class DistributionCleanup(IContentStore content, ImageStore images, DistributionStore store) : IImageDeletionObserver
{
    public void ImageDeleted(ImageRecord image, IReadOnlyList<Digest> deletedBlobs)
    {
        var unused = new List<Digest>();

        // The same image pulled from, or pushed to, several repositories shares one manifest blob.
        foreach (var manifest in store.RemoveManifests(image.Id))
            if (!store.IsManifestRecorded(manifest)) unused.Add(manifest);

        foreach (var layer in image.Layers.Select(l => l.DiffId).Distinct())
        {
            // Another image with this layer still pushes it, as these same bytes.
            if (images.HasLayer(layer) || store.FindCompressed(layer) is not { } made) continue;
            store.RemoveCompressed(layer);
            if (!store.IsCompressedBlob(made.Blob)) unused.Add(made.Blob);
        }

        // A made gzip and a pulled gzip layer share a digest only when identical: keep it for the image that pulled it.
        foreach (var blob in unused.Where(b => !images.IsLayerBlob(b))) content.Delete(blob);

        // No repository needs naming for a blob this daemon no longer has to push.
        foreach (var blob in unused.Concat(deletedBlobs).Distinct())
            if (!content.Exists(blob)) store.RemoveSources(blob);
    }
}
