using Berth.Layers.Archive;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Core.References;
using Berth.Engine.Gc;
using Berth.Engine.Images.Archive;
using Berth.Layers;

namespace Berth.Engine.Images;

// docker import, after daemon/images/image_import.go: one layer from the archive, a config made
// from `changes`, one history entry. The layer's uncompressed tar is kept in the content store
// (blob digest = diff ID) so that save can emit byte-identical layer.tar files; recompressing
// would not be byte-reproducible, and decompressing on save costs more than the disk it saves.
public sealed partial class ImageService
{
    public async Task<Image> ImportAsync(Stream rootfsArchive, ImportOptions options, CancellationToken cancellationToken)
    {
        // Everything checkable is checked before the (possibly large) body is read.
        ImageReference? name = string.IsNullOrEmpty(options.Reference) ? null : ParseNewTag(options.Reference, null);
        var (os, architecture, variant) = ParsePlatform(options.Platform);
        var containerConfig = Changes.Apply(null, options.Changes ?? []);

        return await RunLockedAsync(async cancellationToken =>
        {
            await using var lease = await Leases.CreateAsync("import", cancellationToken);
            var layer = await IngestLayerAsync(null, rootfsArchive, expectedDiffId: null, lease, cancellationToken);
            var created = Clock().ToUniversalTime();
            var message = string.IsNullOrEmpty(options.Message) ? "Imported from -" : options.Message;
            var config = new ImageConfigFile
            {
                Architecture = architecture,
                Os = os,
                Variant = variant,
                Created = created,
                Comment = message,
                Config = containerConfig,
                RootFs = new RootFs { DiffIds = [layer.DiffId.ToString()] },
                History = [new HistoryEntry { Created = created, Comment = message }],
            };
            var record = await PrepareAsync(config.ToJsonBytes(), config, [layer], lease, cancellationToken);
            Publish([(record, [new LayerBlob(layer.DiffId, layer.DiffId, Compression.None)])],
                name is null ? [] : [(name, record.Id)]);
            return ToImage(record);
        }, cancellationToken);
    }

    /// <summary>
    /// Stores a layer tar (plain, gzip or zstd) uncompressed in the content store, verified against
    /// <paramref name="expectedDiffId"/> when given, and unpacks it on <paramref name="parent"/>.
    /// The caller's stream is left open. When unpacking fails, a blob this call added is removed.
    /// The blob and the layer are held by <paramref name="lease"/> before they are written.
    /// </summary>
    internal async Task<Layer> IngestLayerAsync(Layer? parent, Stream archive, Digest? expectedDiffId, Lease lease, CancellationToken cancellationToken)
    {
        var existedBefore = expectedDiffId is { } known && _content.Exists(known);
        ContentInfo blob;
        var (_, tar) = await Compression.OpenDecompressedAsync(archive, cancellationToken, leaveOpen: true);
        await using (tar)
            blob = await _content.WriteAsync(tar, expectedDiffId, lease.BeforeCommit, cancellationToken);
        return await ApplyBlobAsync(parent, blob.Digest, existedBefore, lease, cancellationToken);
    }

    /// <summary>Unpacks the uncompressed tar blob <paramref name="diffId"/> on <paramref name="parent"/>, holding both in <paramref name="lease"/>.</summary>
    internal async Task<Layer> ApplyBlobAsync(Layer? parent, Digest diffId, bool blobExistedBefore, Lease lease, CancellationToken cancellationToken)
    {
        await lease.HoldAsync([diffId], [ChainIds.Compute(parent?.ChainId, diffId)], cancellationToken);
        try
        {
            await using var tar = _content.OpenRead(diffId);
            return await _layers.ApplyAsync(parent, tar, diffId, cancellationToken);
        }
        catch when (!blobExistedBefore && _store.GetLayerBlob(diffId) is null)
        {
            // Not a usable layer (e.g. not a tar): do not keep its bytes around.
            _content.Delete(diffId);
            throw;
        }
    }

    /// <summary>docker's --platform: "os[/arch[/variant]]" or "arch"; only linux is supported.</summary>
    internal static (string Os, string Architecture, string? Variant) ParsePlatform(string? platform)
    {
        var (hostArchitecture, hostVariant) = ImagePlatform.HostArchitecture();
        if (string.IsNullOrEmpty(platform)) return ("linux", hostArchitecture, hostVariant);
        var parts = platform.ToLowerInvariant().Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
            throw new InvalidParameterException($"\"{platform}\": unknown operating system or architecture: invalid argument");
        string os, architecture;
        string? variant = null;
        if (parts.Length == 1)
        {
            if (parts[0] == "linux") return ("linux", hostArchitecture, hostVariant);
            os = "linux";
            architecture = parts[0];
        }
        else
        {
            os = parts[0];
            architecture = parts[1];
            variant = parts.Length == 3 ? parts[2] : null;
        }
        architecture = architecture switch { "x86_64" or "x86-64" => "amd64", "aarch64" => "arm64", "i386" => "386", var a => a };
        if (os != "linux")
            throw new InvalidParameterException($"operating system is not supported: \"{os}\"");
        if (architecture == "arm64" && variant == "v8") variant = null;
        return (os, architecture, variant);
    }
}
