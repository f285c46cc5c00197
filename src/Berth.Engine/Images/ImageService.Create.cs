using System.Text.Json;
using Berth.Core.Errors;
using Berth.Core.References;
using Berth.Layers;

namespace Berth.Engine.Images;

// Entry points for the services that make images from parts (pull, build, commit): they add
// layers, then publish a config over them. Import and load are built from the same two steps.
public sealed partial class ImageService
{
    /// <summary>
    /// Stores a layer tar (plain, gzip or zstd) uncompressed in the content store (so save can
    /// reproduce it byte for byte) and unpacks it on <paramref name="parent"/>. Verified against
    /// <paramref name="expectedDiffId"/> when given. The caller's stream is left open.
    /// The blob and layer are held by <paramref name="lease"/>, which the caller (build, commit) keeps
    /// until <see cref="CreateAsync"/> has published the image; without one they are held only while
    /// they are written, and then only the collector's grace period keeps them until an image does.
    /// </summary>
    public Task<Layer> AddLayerAsync(Layer? parent, Stream tar, Core.Digests.Digest? expectedDiffId, CancellationToken cancellationToken, Gc.Lease? lease = null) =>
        RunLockedAsync(async ct =>
        {
            if (lease is not null) return await IngestLayerAsync(parent, tar, expectedDiffId, lease, ct);
            await using var own = await Leases.CreateAsync("layer", ct);
            return await IngestLayerAsync(parent, tar, expectedDiffId, own, ct);
        }, cancellationToken);

    /// <summary>
    /// Publishes an image whose layers are already in the layer store: commits the config bytes
    /// as given (the ID is their digest) and names it, in one transaction. <paramref name="layerBlobs"/>
    /// records where each layer's exact tar is kept when it is not stored uncompressed under its
    /// diff ID (e.g. a pulled gzip blob); <paramref name="names"/> may be tags or name@digest.
    /// </summary>
    public async Task<Image> CreateAsync(ReadOnlyMemory<byte> configBytes, IReadOnlyList<LayerBlob> layerBlobs, IReadOnlyList<ImageReference> names, CancellationToken cancellationToken)
    {
        ImageConfigFile config;
        try
        {
            config = ImageConfigFile.Parse(configBytes.Span);
        }
        catch (JsonException e)
        {
            throw new InvalidParameterException($"invalid image config: {JsonErrorText.Describe(e)}", e);
        }

        return await RunLockedAsync(async ct =>
        {
            var chainIds = ChainIds.ComputeAll(config.RootFs.DiffIds.Select(Core.Digests.Digest.Parse)).ToList();
            await using var lease = await Leases.CreateAsync("create", ct);
            await lease.HoldAsync([], chainIds, ct);
            var layers = new List<Layer>();
            foreach (var chainId in chainIds)
                layers.Add(_layers.Get(chainId) ?? throw new InvalidParameterException($"layer {chainId} does not exist"));
            var record = await PrepareAsync(configBytes, config, layers, lease, ct);
            Publish([(record, layerBlobs)], names.Select(n => (n.Digest is null ? n.WithDefaultTag() : n, record.Id)).ToList());
            return ToImage(record);
        }, cancellationToken);
    }
}
