using Berth.Core.Digests;
using Berth.Core.References;
using Berth.Engine.Gc;
using Berth.Layers;

namespace Berth.Engine.Images;

/// <summary>A layer of a pulled image: its diff ID and the blob (as pulled) that holds its tar.</summary>
public sealed record PulledLayer(Digest DiffId, Digest Blob, string Compression);

// The image side of a pull: the distribution service downloads and unpacks without holding the
// image lock (so pulls run in parallel), then hands the finished image over here, where it becomes
// visible in one transaction under the lock that rmi also takes.
public sealed partial class ImageService
{
    /// <summary>
    /// Records a pulled image whose config and layer blobs are committed and whose layers were
    /// unpacked, and names it. A layer an rmi removed meanwhile is unpacked again from its blob.
    /// <paramref name="lease"/> is the pull's, holding its blobs and layers until the image holds them.
    /// Returns the image each name pointed to before (null when new or unchanged).
    /// </summary>
    internal Task<IReadOnlyList<Digest?>> PublishPulledAsync(byte[] configBytes, ImageConfigFile config, IReadOnlyList<PulledLayer> layers,
        IReadOnlyList<ImageReference> names, Lease lease, CancellationToken cancellationToken) =>
        RunLockedAsync(async cancellationToken =>
        {
            var stack = new List<Layer>();
            Layer? parent = null;
            foreach (var pulled in layers)
            {
                var chainId = ChainIds.Compute(parent?.ChainId, pulled.DiffId);
                await lease.HoldAsync([pulled.Blob], [chainId], cancellationToken);
                var layer = _layers.Get(chainId);
                if (layer is null)
                {
                    await using var blob = _content.OpenRead(pulled.Blob);
                    layer = await _layers.ApplyAsync(parent, blob, pulled.DiffId, cancellationToken);
                }
                stack.Add(layer);
                parent = layer;
            }
            var record = await PrepareAsync(configBytes, config, stack, lease, cancellationToken);
            var blobs = layers.Where(l => _content.Exists(l.Blob)).Select(l => new LayerBlob(l.DiffId, l.Blob, l.Compression)).ToList();
            return Publish([(record, blobs)], names.Select(n => (n, record.Id)).ToList());
        }, cancellationToken);

    /// <summary>Names an image that is already stored (a pull that found everything present).</summary>
    internal Task<IReadOnlyList<Digest?>> NameAsync(Digest id, IReadOnlyList<ImageReference> names, CancellationToken cancellationToken) =>
        RunLockedAsync(_ =>
        {
            if (_store.Get(id) is null) throw NoSuchImage(id.ToString());
            return Task.FromResult(Publish([], names.Select(n => (n, id)).ToList()));
        }, cancellationToken);

    /// <summary>The image a normalised reference names now, or null.</summary>
    internal Digest? LookupReference(ImageReference reference) => _store.LookupReference(reference.ToString());

    internal ImageRecord? GetRecord(Digest id) => _store.Get(id);

    internal LayerBlob? GetLayerBlob(Digest diffId) => _store.GetLayerBlob(diffId);
}
