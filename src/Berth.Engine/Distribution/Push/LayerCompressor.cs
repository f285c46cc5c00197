using System.IO.Compression;
using System.IO.Pipelines;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Images;

namespace Berth.Engine.Distribution.Push;

/// <summary>A layer blob to push: its digest, size and compression.</summary>
public sealed record PushBlob(Digest Digest, long Size, string Compression);

/// <summary>
/// Picks the blob a layer is pushed as: the compressed blob it was pulled as, else a gzip of its
/// uncompressed tar, made once and remembered (by diff ID) so every later push of the layer sends
/// the same bytes and the registry sees the same digest.
/// </summary>
internal sealed class LayerCompressor(IContentStore content, ImageService images, DistributionStore store)
{
    public async Task<PushBlob> BlobForAsync(Digest diffId, CancellationToken cancellationToken)
    {
        var stored = images.GetLayerBlob(diffId);
        if (stored is { Compression: not Berth.Layers.Archive.Compression.None } && content.Info(stored.Blob) is { } pulled)
            return new PushBlob(pulled.Digest, pulled.Size, stored.Compression);
        if (store.FindCompressed(diffId) is { } made && content.Info(made.Blob) is { } info)
            return new PushBlob(info.Digest, info.Size, Berth.Layers.Archive.Compression.Gzip);

        var tarDigest = stored?.Blob ?? diffId;
        var pipe = new Pipe();
        var compress = Task.Run(async () =>
        {
            try
            {
                await using (var gzip = new GZipStream(pipe.Writer.AsStream(leaveOpen: true), CompressionLevel.Optimal))
                await using (var tar = content.OpenRead(tarDigest))
                    await tar.CopyToAsync(gzip, 1 << 20, cancellationToken);
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                // The reader must fail too, or it would commit a truncated blob.
                await pipe.Writer.CompleteAsync(e);
                throw;
            }
        }, cancellationToken);
        ContentInfo written;
        await using (var input = pipe.Reader.AsStream())
            written = await content.WriteAsync(input, null, cancellationToken);
        await compress;

        // Recorded under the image lock while an image has the layer; else an rmi since the push
        // began has cleaned up after the layer, and nothing would ever delete this blob.
        var recorded = false;
        await images.RunLockedAsync(ct =>
        {
            if (images.Store.HasLayer(diffId))
            {
                store.RecordCompressed(diffId, written.Digest, written.Size);
                recorded = true;
            }
            else if (!images.Store.IsLayerBlob(written.Digest) && !store.IsCompressedBlob(written.Digest))
            {
                content.Delete(written.Digest);
            }
            return Task.CompletedTask;
        }, cancellationToken);
        if (!recorded) throw new NotFoundException($"layer {diffId} was removed during the push");
        return new PushBlob(written.Digest, written.Size, Berth.Layers.Archive.Compression.Gzip);
    }
}
